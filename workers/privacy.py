"""Privacy housekeeping: raw positions are kept FAIRFIELD_LOCATION_RETENTION_DAYS, no longer."""

from __future__ import annotations

from celery import shared_task

from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.privacy import service
from backend.settings import current_settings

BATCH = 500  # per transaction, so one sweep never holds the write lock for long


@shared_task(name="privacy.reduce_locations", ignore_result=True)
def reduce_locations() -> int:
    """Reduce submissions past the retention period to distance and verdict; how many."""
    days = current_settings().location_retention_days
    total = 0
    while True:
        with get_db().transaction() as session:
            done = service.reduce_locations(
                db_session=session, now=utcnow(), retention_days=days, limit=BATCH
            )
        total += done
        if done < BATCH:
            return total
