"""Periodic outbox sweeper: resends what a crash between commit and delivery left behind."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from flask import current_app

from backend.outbox import service as outbox


@shared_task(name="outbox.sweep", ignore_result=True)
def sweep() -> int:
    """Resend undelivered outbox messages."""
    resend_after = timedelta(seconds=int(current_app.config["OUTBOX_RESEND_AFTER_SECONDS"]))
    return outbox.sweep(resend_after=resend_after)
