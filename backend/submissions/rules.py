"""Pure submission rules: where a submission waits for review, what a rejection leaves."""

from __future__ import annotations

from datetime import datetime

# Flags that say how a submission came to review rather than what is doubtful about it.
ROUTINE_FLAGS = frozenset({"campaign_requires_review"})


def is_flagged(flags: list[str]) -> bool:
    """A submission a check doubted, as opposed to one its campaign sends to review anyway."""
    return any(flag not in ROUTINE_FLAGS for flag in flags)


def review_rank(flags: list[str]) -> int:
    """Where a submission waits in the review queue: 0 (first) when a check doubted it."""
    return 0 if is_flagged(flags) else 1


def reopened_status(campaign_status: str, ends_at: datetime, now: datetime) -> str:
    """What a mission becomes when its submission is rejected: open for another worker while
    its campaign runs, else expired (nobody may do it any more)."""
    return "open" if campaign_status == "published" and now < ends_at else "expired"
