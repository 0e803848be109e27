"""Webhook tasks: deliver one message (fed by the outbox, then by its own countdowns), and
sweep for messages due whose task was lost."""

from __future__ import annotations

import logging
import random

from celery import Task, current_app, shared_task

from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.settings import Settings, current_settings
from backend.webhooks import delivery
from backend.webhooks.service import DELIVER

log = logging.getLogger(__name__)
_rng = random.SystemRandom()


def policy(settings: Settings) -> delivery.Policy:
    """How this process sends: the webhook settings, read once per task."""
    return delivery.Policy(
        delays=settings.webhook_retry_delays,
        allow_private=settings.webhook_allow_private_networks,
        timeout=settings.webhook_timeout_seconds,
        max_response_bytes=settings.webhook_max_response_bytes,
    )


@shared_task(name=DELIVER, bind=True, ignore_result=True)
def deliver(self: Task, message_id: str) -> str:
    """Make one attempt at a message if it is due; schedule the retry a failure asks for."""
    result, retry_in = delivery.deliver(
        database=get_db(),
        message_id=message_id,
        task_id=self.request.id,
        policy=policy(current_settings()),
        now=utcnow,
        rng=_rng,
    )
    if retry_in is not None:
        # After the commit that made it due; if this send is lost, the sweeper finds it.
        current_app.send_task(DELIVER, args=[message_id], countdown=retry_in)
    return result


@shared_task(name="webhooks.sweep", ignore_result=True)
def sweep() -> int:
    """Send the task again for every message due (a countdown lost, an attempt that died)."""
    with get_db().transaction(write=False) as session:
        due = delivery.due(db_session=session, now=utcnow())
    for message_id in due:
        current_app.send_task(DELIVER, args=[message_id])
    if due:
        log.info("webhook sweeper sent due messages", extra={"count": len(due)})
    return len(due)
