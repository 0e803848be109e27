"""Ledger check runs: queue one (on demand or nightly), run the checks, keep what they found.

A run is queued with its task in the outbox (sent once the request commits); the task marks it
running, runs every check in one read snapshot, apart from any write lock, then records the
result and closes its outbox message in one transaction, so a redelivered copy records nothing
twice. Keyword-only; they flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.db import one_snapshot
from backend.outbox.tasks import enqueue
from backend.reconciliation import ledger, queries
from backend.reconciliation.models import LedgerCheckRun

RUN_TASK = "reconciliation.run_ledger_check"
# Discrepancies kept per check: enough to act on; `count` says how many there were in all.
PROBLEMS_KEPT = 100
# Beat may fire more than once a night (two beats, a restart): one nightly run is enough.
NIGHTLY_EVERY = timedelta(hours=20)


def request_ledger_check(
    *, db_session: Session, trigger: str, requested_by: str | None, now: datetime
) -> LedgerCheckRun:
    """Queue a run and its task; a run already queued or running is returned instead."""
    active = queries.active_run(db_session=db_session, now=now)
    if active is not None:
        return active
    run = LedgerCheckRun(
        status="queued", trigger=trigger, requested_by=requested_by, created_at=now
    )
    db_session.add(run)
    db_session.flush()
    enqueue(db_session, RUN_TASK, run.id)
    return run


def request_nightly_check(*, db_session: Session, now: datetime) -> LedgerCheckRun | None:
    """The nightly run, unless one was already asked for tonight; None then."""
    last = queries.latest_run(db_session=db_session, trigger="nightly")
    if last is not None and last.created_at > now - NIGHTLY_EVERY:
        return None
    return request_ledger_check(
        db_session=db_session, trigger="nightly", requested_by=None, now=now
    )


def start_run(*, db_session: Session, run_id: str, now: datetime) -> bool:
    """Mark a run running; False if it is unknown or already finished (nothing to do)."""
    result = db_session.execute(
        update(LedgerCheckRun)
        # `running` again too: a worker that died mid-run left it so, and the task came back.
        .where(LedgerCheckRun.id == run_id, LedgerCheckRun.status.in_(("queued", "running")))
        .values(status="running", started_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def check_ledger(*, db_session: Session) -> tuple[list[tuple[str, list[str]]], dict[str, int]]:
    """Every check's name and discrepancies, and what they covered, from one snapshot."""
    one_snapshot(db_session)
    results = list(ledger.run_checks(db_session=db_session))
    return results, ledger.summary(db_session=db_session)


def finish_run(
    *,
    db_session: Session,
    run_id: str,
    results: Sequence[tuple[str, list[str]]],
    covered: dict[str, int],
    now: datetime,
) -> LedgerCheckRun | None:
    """Record what the checks found: passed with none, failed with any; None if the run is
    unknown or was finished already (a copy of the task)."""
    run = db_session.get(LedgerCheckRun, run_id, with_for_update=True)
    if run is None or run.status in ("passed", "failed"):
        return None
    checks: list[dict[str, Any]] = [
        {"name": name, "problems": problems[:PROBLEMS_KEPT], "count": len(problems)}
        for name, problems in results
    ]
    run.checks = checks
    run.problems = [problem for check in checks for problem in check["problems"]]
    run.covered = dict(covered)
    run.status = "failed" if any(check["count"] for check in checks) else "passed"
    run.started_at = run.started_at or now
    run.finished_at = now
    db_session.flush()
    return run
