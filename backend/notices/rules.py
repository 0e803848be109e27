"""Pure rules of the worker's notices: a notice's identity, and how its facts read. No session."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from babel.dates import format_date, format_time

from backend.i18n import money

# The four notices a worker may get by mail; `users.notify_by_email` turns them all off.
SUBMISSION_APPROVED = "submission_approved"
SUBMISSION_REJECTED = "submission_rejected"
APPEAL_DECIDED = "appeal_decided"
PAYOUT_SENT = "payout_sent"
KINDS = (SUBMISSION_APPROVED, SUBMISSION_REJECTED, APPEAL_DECIDED, PAYOUT_SENT)

# Fixed forever: a notice's id is derived from it, so changing it would mail acts again.
_NAMESPACE = uuid.UUID("6d1f3c2e-5b0a-4f57-9a43-0c8f1e7d2b19")


def notice_id(act: str) -> str:
    """The id of the one mail an act may cause ("submission:<id>", "appeal:<id>", ...): a
    decision repeated, retried or replayed finds its mail queued already and adds none."""
    return str(uuid.uuid5(_NAMESPACE, act))


def mask_iban(iban: str) -> str:
    """An IBAN shown by its last four characters only: "•••• 3000"."""
    compact = "".join(iban.split())
    return f"•••• {compact[-4:]}"


def amount_words(amount: dict[str, int | str], locale: str) -> str:
    """A money fact ({amount_minor, currency}) as the reader writes it."""
    return money(int(amount["amount_minor"]), str(amount["currency"]), locale)


def when_words(at: datetime, locale: str) -> str:
    """A moment in UTC as the reader writes a date: "13 décembre 2026, 18:40 UTC"."""
    day = format_date(at, "long", locale=locale)
    hour = format_time(at, "HH:mm", tzinfo=at.tzinfo, locale=locale)
    return f"{day}, {hour} UTC"


def appeal_deadline(rejected_at: datetime, window_days: float) -> datetime:
    """The last moment a rejection may be appealed (review.rules.appeal_deadline, which the
    appeal itself checks; that layer sits above this one)."""
    return rejected_at + timedelta(days=window_days)
