"""Mission housekeeping tasks."""

from __future__ import annotations

from celery import shared_task

from backend.db import get_db, utcnow
from backend.missions import service


@shared_task(name="missions.expire_assignments", ignore_result=True)
def expire_assignments() -> int:
    """Expire overdue claims; their missions open again."""
    with get_db().transaction() as session:
        return service.expire_overdue(db_session=session, now=utcnow())
