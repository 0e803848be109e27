"""What the API shows of submissions: the detail with photos, decisions and credit. Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, tuple_
from sqlalchemy.orm import Session, aliased

from backend.accounts.models import User
from backend.errors import not_found
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.pagination import decode_cursor, encode_cursor
from backend.submissions.models import Decision, Photo, Submission
from backend.submissions.presenters import credit_out, submission_brief_out, submission_out


def submission_detail(*, db_session: Session, submission_id: str, user: User) -> dict[str, Any]:
    """A submission with its photos, checks and latest decision, for who may see it."""
    latest = (
        select(Decision.id)
        .where(Decision.submission_id == Submission.id)
        .order_by(Decision.created_at.desc())
        .limit(1)
        .correlate(Submission)
        .scalar_subquery()
    )
    history = _HISTORY
    # One statement for the status, the decision that set it, the decisions up to that one,
    # the photos the user may see (a row for each pair) and the credit: a read on PostgreSQL
    # takes a snapshot per statement, and two would show a status older than its decision;
    # and each round trip cost the answer to an approval as much as its SQL.
    rows = db_session.execute(
        select(
            Submission,
            Decision,
            history,
            Photo,
            LedgerTransaction.created_at.label("credited_at"),
            LedgerEntry.amount_minor,
            LedgerEntry.currency,
        )
        .outerjoin(Decision, Decision.id == latest)
        .outerjoin(
            history,
            and_(
                history.submission_id == Submission.id,
                history.created_at <= Decision.created_at,
            ),
        )
        .outerjoin(
            Photo, and_(Photo.submission_id == Submission.id, Submission.photos_visible_to(user))
        )
        .outerjoin(
            LedgerTransaction,
            and_(
                LedgerTransaction.submission_id == Submission.id,
                LedgerTransaction.kind == "submission_credit",
            ),
        )
        .outerjoin(
            LedgerEntry,
            and_(LedgerEntry.transaction_id == LedgerTransaction.id, LedgerEntry.amount_minor > 0),
        )
        .where(Submission.id == submission_id, Submission.visible_to(user))
        .order_by(history.created_at, history.id, Photo.position)
    ).all()
    if not rows:
        raise not_found("submission")
    submission, decision, first = rows[0][0], rows[0][1], rows[0]
    # Each once, in order: the decisions oldest first, the photos by position.
    decisions: dict[str, Decision] = {}
    photos: dict[str, Photo] = {}
    for row in rows:
        if row[2] is not None:
            decisions.setdefault(row[2].id, row[2])
        if row[3] is not None:
            photos.setdefault(row[3].id, row[3])
    # The credit commits with the approval: shown with the status that says so.
    payout = None
    if submission.status == "approved" and first.amount_minor is not None:
        payout = credit_out(first.amount_minor, first.currency, first.credited_at)
    return submission_out(
        submission,
        user=user,
        photos=list(photos.values()),
        decision=decision,
        decisions=list(decisions.values()),
        payout=payout,
    )


# The decisions up to the latest, beside it in the detail's statement.
_HISTORY = aliased(Decision)


def decision_history(
    db_session: Session, submission_ids: Sequence[str], until: datetime | None = None
) -> list[Decision]:
    """Every decision on these submissions, oldest first; `until` stops at the one a status
    was read with, so the history never runs ahead of it."""
    stmt = select(Decision).where(Decision.submission_id.in_(submission_ids))
    if until is not None:
        stmt = stmt.where(Decision.created_at <= until)
    return list(db_session.scalars(stmt.order_by(Decision.created_at, Decision.id)))


def worker_submissions_page(
    *, db_session: Session, worker_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A worker's own submissions, newest received first, a page at a time (keyset over
    received_at and id: a submission has no created_at of its own)."""
    stmt = select(Submission).where(Submission.worker_id == worker_id)
    if cursor:
        received_at, submission_id = decode_cursor(cursor)
        stmt = stmt.where(
            tuple_(Submission.received_at, Submission.id) < tuple_(received_at, submission_id)
        )
    rows = db_session.scalars(
        stmt.order_by(Submission.received_at.desc(), Submission.id.desc()).limit(limit + 1)
    ).all()
    items = list(rows[:limit])
    last = items[-1] if len(rows) > limit else None
    return {
        "items": [submission_brief_out(s) for s in items],
        "next_cursor": encode_cursor(last.received_at, last.id) if last else None,
    }
