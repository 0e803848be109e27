"""Account housekeeping tasks."""

from __future__ import annotations

from celery import shared_task

from backend.accounts import service
from backend.db import get_db


@shared_task(name="accounts.purge_expired_tokens", ignore_result=True)
def purge_expired_tokens() -> int:
    """Delete expired bearer tokens."""
    with get_db().transaction() as session:
        return service.purge_expired_tokens(db_session=session)
