"""Recurring campaigns' housekeeping: beat opens the rounds that fell due."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from celery import shared_task

from backend.campaigns import rounds
from backend.db import get_db
from backend.kernel.clock import utcnow

log = logging.getLogger(__name__)


@shared_task(name="campaigns.open_due_rounds", ignore_result=True)
def open_due_rounds(now: str | None = None) -> int:
    """Open every recurring campaign's round that is due at `now` (ISO 8601, UTC when it
    names no offset; default: the clock), each campaign in a transaction of its own; how
    many rounds opened. One campaign that fails is logged and retried at the next sweep; it
    never keeps the others' rounds shut."""
    at = _instant(now) if now else utcnow()
    with get_db().transaction(write=False) as session:
        due = rounds.due_campaigns(db_session=session, now=at)
    opened, failed = 0, []
    for campaign_id in due:
        try:
            with get_db().transaction() as session:
                if rounds.open_due_round(db_session=session, campaign_id=campaign_id, now=at):
                    opened += 1
        except Exception:
            log.exception("The due round of campaign %s did not open", campaign_id)
            failed.append(campaign_id)
    if failed:
        # Said as a failed task too, once the others are done: monitoring sees it.
        raise RuntimeError(f"{len(failed)} campaign(s) could not open their round: {failed}")
    return opened


def _instant(text: str) -> datetime:
    """An ISO 8601 instant; one without an offset is taken as UTC (compared with aware ones)."""
    at = datetime.fromisoformat(text)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
