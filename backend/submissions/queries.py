"""What the API shows of submissions: the detail with photos, decisions and credit. Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

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
    # One statement for the status and the decision that set it: a read on PostgreSQL takes
    # a snapshot per statement, and two would show a status older than its decision.
    row = db_session.execute(
        select(Submission, Decision)
        .outerjoin(Decision, Decision.id == latest)
        .where(Submission.id == submission_id, Submission.visible_to(user))
    ).first()
    if row is None:
        raise not_found("submission")
    submission, decision = row[0], row[1]
    photos = db_session.scalars(
        select(Photo)
        .join(Submission, Submission.id == Photo.submission_id)
        .where(Photo.submission_id == submission.id, Submission.photos_visible_to(user))
        .order_by(Photo.position)
    ).all()
    return submission_out(
        submission,
        user=user,
        photos=photos,
        decision=decision,
        decisions=[]
        if decision is None
        else decision_history(db_session, [submission.id], until=decision.created_at),
        # The credit commits with the approval: shown with the status that says so.
        payout=_credit(db_session, submission.id) if submission.status == "approved" else None,
    )


def decision_history(
    db_session: Session, submission_ids: Sequence[str], until: datetime | None = None
) -> list[Decision]:
    """Every decision on these submissions, oldest first; `until` stops at the one a status
    was read with, so the history never runs ahead of it."""
    stmt = select(Decision).where(Decision.submission_id.in_(submission_ids))
    if until is not None:
        stmt = stmt.where(Decision.created_at <= until)
    return list(db_session.scalars(stmt.order_by(Decision.created_at, Decision.id)))


def _credit(db_session: Session, submission_id: str) -> dict[str, Any] | None:
    """What the worker was credited for this submission, once approved."""
    row = db_session.execute(
        select(LedgerTransaction.created_at, LedgerEntry.amount_minor, LedgerEntry.currency)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerTransaction.submission_id == submission_id,
            LedgerTransaction.kind == "submission_credit",
            LedgerEntry.amount_minor > 0,
        )
    ).first()
    if row is None:
        return None
    return credit_out(row.amount_minor, row.currency, row.created_at)


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
