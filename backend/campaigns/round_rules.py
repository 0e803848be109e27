"""Pure rules of recurring campaigns: the schedule a brand may set, and which round is due.

Rounds follow the clock from publishing: round N runs from `published_at + (N-1)*every_days`
to the next, so round N+1 is due once `published_at + N*every_days <= now`. A sweep that
missed several (the beat was down) opens the round the clock says runs now, not each one
missed in turn: a round opened only to close at once would pay nobody.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

EVERY_DAYS_MIN = 1
EVERY_DAYS_MAX = 365

# Why a round that is due did not open: a code the API gives, with the words the brand sees.
INSUFFICIENT_BALANCE = "insufficient_balance"
HOLDS = {
    INSUFFICIENT_BALANCE: (
        "The next round did not open: the organisation's balance does not cover its "
        "missions. Top up the balance and it opens at the next check."
    ),
}


def schedule_problems(schedule: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """What is wrong with a `schedule` ({every_days}) as a brand states it; None is one round."""
    if schedule is None:
        return {}
    every = schedule.get("every_days")
    if isinstance(every, bool) or not isinstance(every, int):
        return {"schedule.every_days": ["Must be a whole number of days."]}
    if not EVERY_DAYS_MIN <= every <= EVERY_DAYS_MAX:
        return {"schedule.every_days": [f"Must be between {EVERY_DAYS_MIN} and {EVERY_DAYS_MAX}."]}
    return {}


def due_round(*, published_at: datetime, every_days: int, now: datetime) -> int:
    """The round the clock says runs at `now` (1 until `every_days` after publishing)."""
    if now <= published_at:
        return 1
    return (now - published_at) // timedelta(days=every_days) + 1


def round_opens_at(*, published_at: datetime, every_days: int, round_no: int) -> datetime:
    """When round `round_no` falls due."""
    return published_at + (round_no - 1) * timedelta(days=every_days)


def missions_by_state(counts: Mapping[str, int]) -> dict[str, int]:
    """A round's missions by status, as the brand reads them: open (not yet claimed),
    claimed, submitted (waiting for a decision), approved (done, a closed store included)
    and closed (cancelled or expired: nobody will do them)."""
    return {
        "open": counts.get("open", 0) + counts.get("draft", 0),
        "claimed": counts.get("claimed", 0),
        "submitted": counts.get("submitted", 0),
        "approved": counts.get("completed", 0) + counts.get("store_closed", 0),
        "closed": counts.get("cancelled", 0) + counts.get("expired", 0),
    }
