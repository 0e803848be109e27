"""Account housekeeping tasks."""

from __future__ import annotations

from celery import shared_task

from backend.accounts import recovery, service
from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.organisations import invites


@shared_task(name="accounts.purge_expired_tokens", ignore_result=True)
def purge_expired_tokens() -> int:
    """Delete expired bearer tokens, expired secrets of mailed links and invitations whose
    link expired unused."""
    with get_db().transaction() as session:
        now = utcnow()
        return (
            service.purge_expired_tokens(db_session=session, now=now)
            + recovery.purge_expired(db_session=session, now=now)
            + invites.purge_expired(db_session=session, now=now)
        )
