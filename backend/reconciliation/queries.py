"""Reads of ledger check runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.errors import not_found
from backend.reconciliation.models import LedgerCheckRun

# A run queued or running for longer than this is taken for stuck (its task keeps failing):
# a new request starts afresh rather than wait on it.
STUCK_AFTER = timedelta(hours=1)


def run(*, db_session: Session, run_id: str) -> LedgerCheckRun:
    """One run by id; 404 if there is none."""
    found = db_session.get(LedgerCheckRun, run_id)
    if found is None:
        raise not_found("ledger check")
    return found


def latest_run(*, db_session: Session, trigger: str | None = None) -> LedgerCheckRun | None:
    """The run asked for last (of this trigger, if given), whatever its status; None if none."""
    stmt = select(LedgerCheckRun).order_by(
        LedgerCheckRun.created_at.desc(), LedgerCheckRun.id.desc()
    )
    if trigger is not None:
        stmt = stmt.where(LedgerCheckRun.trigger == trigger)
    return db_session.scalar(stmt.limit(1))


def active_run(*, db_session: Session, now: datetime) -> LedgerCheckRun | None:
    """A run queued or running, asked for recently enough not to be stuck; None if none."""
    return db_session.scalar(
        select(LedgerCheckRun)
        .where(
            LedgerCheckRun.status.in_(("queued", "running")),
            LedgerCheckRun.created_at > now - STUCK_AFTER,
        )
        .order_by(LedgerCheckRun.created_at.desc())
        .limit(1)
    )


def latest_or_404(*, db_session: Session) -> LedgerCheckRun:
    """The latest run; 404 `no_ledger_check` if the check never ran."""
    found = latest_run(db_session=db_session)
    if found is None:
        raise not_found("ledger check", code="no_ledger_check")
    return found
