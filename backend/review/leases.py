"""Review leases: an admin opening a submission holds it for a short while, renewed as they
work, so two reviewers never work the same item unknowingly.

Taking a lease is one upsert (`INSERT … ON CONFLICT DO UPDATE … WHERE` the row is the
admin's own or has run out, `RETURNING`): of two admins taking the same submission at once,
PostgreSQL makes the second wait for the first's row and then finds the WHERE false; SQLite
runs writers one at a time. Exactly one gets it, the other learns who did.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import Conflict, not_found
from backend.review import conflicts, rules
from backend.review.models import ReviewLease
from backend.submissions.models import Submission


def _upsert(db_session: Session) -> Any:
    dialect = db_session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ReviewLease)


def take_lease(
    *, db_session: Session, submission_id: str, admin: User, now: datetime, lease_seconds: int
) -> ReviewLease:
    """Take or renew the admin's lease on a submission awaiting review; 409 `lease_held`
    when another admin's lease still holds."""
    conflicts.awaiting_review(db_session, submission_id)
    # Twice at most: the lease that beat ours may be given back between our two statements.
    for _attempt in range(2):
        if _upsert_lease(db_session, submission_id, admin, now, lease_seconds):
            lease = db_session.get(ReviewLease, submission_id, populate_existing=True)
            assert lease is not None
            return lease
        held = _held(db_session, submission_id, admin, now)
        if held is not None:
            raise held
    raise Conflict("Another admin is taking this submission; try again.", code="lease_held")


def _upsert_lease(
    db_session: Session, submission_id: str, admin: User, now: datetime, lease_seconds: int
) -> bool:
    """Write the admin's lease unless another admin's still holds; whether it was written."""
    insert = _upsert(db_session).values(
        submission_id=submission_id,
        admin_id=admin.id,
        taken_at=now,
        expires_at=rules.lease_expiry(now, lease_seconds),
    )
    mine = ReviewLease.admin_id == insert.excluded.admin_id
    written = db_session.execute(
        insert.on_conflict_do_update(
            index_elements=[ReviewLease.submission_id],
            set_={
                "admin_id": insert.excluded.admin_id,
                "expires_at": insert.excluded.expires_at,
                # A renewal keeps when the admin first took it.
                "taken_at": case((mine, ReviewLease.taken_at), else_=insert.excluded.taken_at),
            },
            where=or_(mine, ReviewLease.expires_at <= now),
        ).returning(ReviewLease.submission_id)
    ).first()
    return written is not None


def release_lease(*, db_session: Session, submission_id: str, admin: User, now: datetime) -> None:
    """Give back the admin's own lease; nothing to do when they hold none. Another admin's
    lease that still holds is theirs to give back: 409 `lease_held`."""
    if db_session.get(Submission, submission_id) is None:
        raise not_found("submission")
    db_session.execute(
        delete(ReviewLease)
        .where(ReviewLease.submission_id == submission_id, ReviewLease.admin_id == admin.id)
        .execution_options(synchronize_session=False)
    )
    held = _held(db_session, submission_id, admin, now)
    if held is not None:
        raise held


def take_over_for_decision(
    db_session: Session, *, submission_id: str, admin: User, now: datetime
) -> None:
    """Drop the submission's leases for the decision `admin` is making, in one statement:
    409 `lease_held` (and nothing dropped, once the refusal rolls the transaction or its
    savepoint back) when another admin's lease still holds. What a check of the leases
    and drop_leases did in two round trips; a refused decision writes nothing that stays."""
    dropped = db_session.execute(_DROP_RETURNING, {"submission_id": submission_id}).all()
    for holder_id, expires_at in dropped:
        if holder_id != admin.id and expires_at > now:
            name = db_session.scalar(select(User.display_name).where(User.id == holder_id))
            raise conflicts.lease_held(
                holder_id=holder_id, holder_name=name or "", expires_at=expires_at
            )


_DROP_RETURNING = (
    delete(ReviewLease)
    .where(ReviewLease.submission_id == bindparam("submission_id"))
    .returning(ReviewLease.admin_id, ReviewLease.expires_at)
    .execution_options(synchronize_session=False)
)


def drop_leases(db_session: Session, submission_ids: Sequence[str]) -> None:
    """Forget the leases on submissions just decided: nobody works them any more."""
    if submission_ids:
        db_session.execute(
            delete(ReviewLease)
            .where(ReviewLease.submission_id.in_(submission_ids))
            .execution_options(synchronize_session=False)
        )


def _held(db_session: Session, submission_id: str, admin: User, now: datetime) -> Conflict | None:
    """The 409 naming another admin whose lease on the submission still holds, if any."""
    row = db_session.execute(
        select(ReviewLease.expires_at, User.id, User.display_name)
        .join(User, User.id == ReviewLease.admin_id)
        .where(
            ReviewLease.submission_id == submission_id,
            ReviewLease.admin_id != admin.id,
            ReviewLease.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    return conflicts.lease_held(
        holder_id=row.id, holder_name=row.display_name, expires_at=row.expires_at
    )
