"""Mission housekeeping tasks."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.missions import service
from backend.settings import current_settings


@shared_task(name="missions.expire_assignments", ignore_result=True)
def expire_assignments() -> int:
    """Expire overdue claims once their grace period is over; their missions open again."""
    grace = timedelta(minutes=current_settings().submission_grace_minutes)
    with get_db().transaction() as session:
        return service.expire_overdue(db_session=session, now=utcnow(), grace=grace)
