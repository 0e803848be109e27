"""The 409s of review, in words a reviewer can act on: who decided, who holds the lease.

A decision that lost a race never answers a bare conflict: it says who decided what and when
(the machine and the deadline too), so the console can tell the reviewer and move on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import Conflict, not_found
from backend.review import rules
from backend.review.models import Appeal
from backend.submissions.models import Decision, Photo, Submission

# A submission in one of these was decided by someone: a later decision lost the race.
DECIDED_STATUSES = ("approved", "rejected", "appealed")


def person(user_id: str | None, display_name: str | None) -> dict[str, str] | None:
    """Who, as an answer names them: id and display name (None: nobody, the machine)."""
    if user_id is None:
        return None
    return {"id": user_id, "display_name": display_name or ""}


def already_decided(
    *, status: str, actor: str, by_id: str | None, by_name: str | None, at: datetime, **extra: str
) -> Conflict:
    """409 `already_decided`: what was decided, by whom and when, in `detail` and fields."""
    return Conflict(
        rules.decided_sentence(status, actor, by_name, at),
        code="already_decided",
        extra={
            # Not `status`: in a problem+json body that is the HTTP status (RFC 9457).
            "decided_status": status,
            "actor": actor,
            "decided_by": person(by_id, by_name),
            "decided_at": at.isoformat(),
            **extra,
        },
    )


def lease_held(*, holder_id: str, holder_name: str, expires_at: datetime) -> Conflict:
    """409 `lease_held`: another admin is working this submission, until when."""
    return Conflict(
        rules.lease_held_sentence(holder_name, expires_at),
        code="lease_held",
        extra={
            "holder": person(holder_id, holder_name),
            "expires_at": expires_at.isoformat(),
        },
    )


class Stated(Protocol):
    """A submission's id and status, as a row or a model has them."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...


def not_awaiting_review(db_session: Session, submission: Stated) -> Conflict:
    """Why a submission not in review cannot be decided or leased: who decided it, or (not
    yet validated, or abandoned) that it is not a reviewer's to decide."""
    if submission.status in DECIDED_STATUSES:
        row = db_session.execute(
            select(Decision.status, Decision.actor, Decision.created_at, User.id, User.display_name)
            .outerjoin(User, User.id == Decision.actor_id)
            .where(Decision.submission_id == submission.id, Decision.status != "in_review")
            .order_by(Decision.created_at.desc(), Decision.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            return already_decided(
                status=row.status,
                actor=row.actor,
                by_id=row.id,
                by_name=row.display_name,
                at=row.created_at,
                submission_status=submission.status,
            )
    return Conflict(
        f"Submission {submission.id} is {submission.status}, not awaiting review.",
        code="not_in_review",
        extra={"submission_status": submission.status},
    )


def awaiting_review(db_session: Session, submission_id: str) -> Submission:
    """The submission, if it waits for a reviewer; else 404 or the 409 saying why not."""
    submission = db_session.get(Submission, submission_id, populate_existing=True)
    if submission is None:
        raise not_found("submission")
    if submission.status != "in_review":
        raise not_awaiting_review(db_session, submission)
    return submission


@dataclass(frozen=True)
class UnderReview:
    """A submission awaiting review, as its reviewer had it before them."""

    id: str
    status: str
    checks: list[dict[str, Any]]
    flags: list[str]
    photo_ids: list[str]  # in order


def awaiting_review_with_photos(db_session: Session, submission_id: str) -> UnderReview:
    """awaiting_review, as what a reviewer had before them (checks, flags and the ids of its
    photos in order) read in one statement, not as a model: a decision needs no more."""
    rows = db_session.connection().execute(_WITH_PHOTOS, {"submission_id": submission_id}).all()
    if not rows:
        raise not_found("submission")
    first = rows[0]
    if first.status != "in_review":
        raise not_awaiting_review(db_session, first)
    photo_ids = [row.photo_id for row in rows if row.photo_id is not None]
    return UnderReview(first.id, first.status, first.checks, first.flags, photo_ids)


_WITH_PHOTOS = (
    select(
        Submission.id,
        Submission.status,
        Submission.checks,
        Submission.flags,
        Photo.id.label("photo_id"),
    )
    .outerjoin(Photo, Photo.submission_id == Submission.id)
    .where(Submission.id == bindparam("submission_id"))
    .order_by(Photo.position)
)


def appeal_already_decided(db_session: Session, appeal: Appeal) -> Conflict:
    """409 `already_decided` for an appeal another decider closed: who, what, when."""
    name = None
    if appeal.decided_by is not None:
        name = db_session.scalar(select(User.display_name).where(User.id == appeal.decided_by))
    assert appeal.decided_at is not None  # a closed appeal was decided
    return already_decided(
        status=appeal.status,
        actor="admin" if appeal.decided_by else "deadline",
        by_id=appeal.decided_by,
        by_name=name,
        at=appeal.decided_at,
        appeal_id=appeal.id,
    )
