"""Pure submission rules: where a submission waits for review, what a rejection leaves,
the bounds a payload is held to and the marks its photos carry."""

from __future__ import annotations

from datetime import datetime

# The most facings a worker may count for one product; the form refuses more and the
# counts_plausible check (validation) flags a count beyond it.
COUNT_MAX = 10_000
# photos.sha256 is NOT NULL and indexed; once the file is gone the real digest is only a
# fingerprint of the person's picture. Every erased photo carries this instead: no upload
# hashes to it, so exact-reuse lookups never match it.
ERASED_SHA256 = "0" * 64
# The outcome paid show-up pay (a store found closed) rather than the mission's reward.
STORE_CLOSED = "store_closed"
# Flags that say how a submission came to review rather than what is doubtful about it.
ROUTINE_FLAGS = frozenset({"campaign_requires_review"})


def approval_pay_minor(
    *, outcome: str | None, pay_minor: int, show_up_minor: int | None, mission_id: str
) -> int:
    """What an approval pays its worker, in minor units: the mission's reward and bonus
    (`pay_minor`), or its show-up pay when the worker found the store closed. Settlement
    credits it and the worker's notice names it, so the two can never disagree."""
    if outcome != STORE_CLOSED:
        return int(pay_minor)
    if show_up_minor is None:
        # Publishing fixes it (migration 0012 gave it to missions published before).
        raise RuntimeError(f"Mission {mission_id} is open to work but has no show-up pay.")
    return int(show_up_minor)


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
