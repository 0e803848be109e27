"""Recurring campaigns' housekeeping: beat opens the rounds that fell due."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from backend.campaigns import rounds
from backend.db import get_db
from backend.kernel.clock import utcnow


@shared_task(name="campaigns.open_due_rounds", ignore_result=True)
def open_due_rounds(now: str | None = None) -> int:
    """Open every recurring campaign's round that is due at `now` (ISO 8601; default: the
    clock), each campaign in a transaction of its own; how many rounds opened."""
    at = datetime.fromisoformat(now) if now else utcnow()
    with get_db().transaction(write=False) as session:
        due = rounds.due_campaigns(db_session=session, now=at)
    opened = 0
    for campaign_id in due:
        with get_db().transaction() as session:
            if rounds.open_due_round(db_session=session, campaign_id=campaign_id, now=at):
                opened += 1
    return opened
