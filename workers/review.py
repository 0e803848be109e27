"""Review deadline: nobody waits on the platform longer than FAIRFIELD_REVIEW_SLA_HOURS."""

from __future__ import annotations

from celery import shared_task

from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.review import appeals, service
from backend.settings import current_settings

BATCH = 200  # per transaction, so one sweep never holds the write lock for long


@shared_task(name="review.approve_overdue", ignore_result=True)
def approve_overdue() -> int:
    """Approve and pay submissions and appeals left undecided past the deadline."""
    sla_hours = current_settings().review_sla_hours
    total = 0
    for sweep in (service.approve_overdue, appeals.approve_overdue_appeals):
        while True:
            with get_db().transaction() as session:
                done = sweep(db_session=session, now=utcnow(), sla_hours=sla_hours, limit=BATCH)
            total += done
            if done < BATCH:
                break
    return total
