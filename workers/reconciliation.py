"""The ledger check as a task: on demand (through the outbox) and nightly (beat)."""

from __future__ import annotations

from celery import Task, shared_task

from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.outbox import service as outbox
from backend.reconciliation import service


@shared_task(name=service.RUN_TASK, bind=True, ignore_result=True)
def run_ledger_check(self: Task, run_id: str) -> str | None:
    """Run every ledger check for this run and record what they found, once."""
    db = get_db()
    with db.transaction() as session:
        started = service.start_run(db_session=session, run_id=run_id, now=utcnow())
    if not started:
        with db.transaction() as session:
            outbox.consume_once(db_session=session, message_id=self.request.id)
        return None
    # The slow part reads in a snapshot of its own: no write lock is held meanwhile, and
    # the run shows `running` to whoever polls it.
    with db.transaction(write=False) as session:
        results, covered = service.check_ledger(db_session=session)
    with db.transaction() as session:
        # Result and 'done' mark together: a redelivered copy finds the run finished.
        if not outbox.consume_once(db_session=session, message_id=self.request.id):
            return None
        run = service.finish_run(
            db_session=session, run_id=run_id, results=results, covered=covered, now=utcnow()
        )
        return run.status if run is not None else None


@shared_task(name="reconciliation.nightly_ledger_check", ignore_result=True)
def nightly_ledger_check() -> str | None:
    """Queue tonight's ledger check (beat); its task goes out after this commits."""
    with get_db().transaction() as session:
        run = service.request_nightly_check(db_session=session, now=utcnow())
        return run.id if run is not None else None
