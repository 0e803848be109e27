"""Periodic outbox sweeper: resends what a crash between commit and delivery left behind."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from backend.outbox import service as outbox
from backend.settings import current_settings


@shared_task(name="outbox.sweep", ignore_result=True)
def sweep() -> int:
    """Resend undelivered outbox messages."""
    resend_after = timedelta(seconds=current_settings().outbox_resend_after_seconds)
    return outbox.sweep(resend_after=resend_after)
