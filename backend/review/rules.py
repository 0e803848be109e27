"""Pure review rules: the reasons a person may reject for, and the platform's deadlines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Decided with the submission (submissions.rules); the review queue reads them too.

# Every rejection names one of these, so the worker learns what to do differently; the
# title is what the worker reads beside the reviewer's comment.
REASON_CODES: dict[str, str] = {
    "blurry_photo": "A photo is too blurred to count the shelf",
    "wrong_store": "The photos or location are not of the assigned store",
    "missing_products": "Products asked for are missing from the photos or answers",
    "reused_photo": "A photo was taken before, for another submission",
    "outside_window": "The visit was outside the mission's time window",
    "incomplete_answers": "Answers are missing or do not match the photos",
    "other": "Another reason, explained in the comment",
}
DECISIONS = ("approve", "reject")
COMMENT_MAX = 2000


def decision_problems(
    decision: str, reason_code: str | None, comment: str | None
) -> dict[str, list[str]]:
    """What is wrong with a reviewer's decision, by field; empty when it may be recorded."""
    problems: dict[str, list[str]] = {}
    if decision not in DECISIONS:
        problems["decision"] = [f"One of {', '.join(DECISIONS)}."]
        return problems
    text = (comment or "").strip()
    if decision == "reject":
        if not reason_code:
            problems["reason_code"] = ["A rejection needs a reason code."]
        elif reason_code not in REASON_CODES:
            problems["reason_code"] = [f"One of {', '.join(REASON_CODES)}."]
        elif reason_code == "other" and not text:
            problems["comment"] = ["A rejection for `other` reasons explains itself here."]
    elif reason_code:
        problems["reason_code"] = ["Only a rejection has a reason code."]
    if len(text) > COMMENT_MAX:
        problems["comment"] = [f"At most {COMMENT_MAX} characters."]
    return problems


def outcome(decision: str) -> str:
    """The submission status a reviewer's decision leads to."""
    return "approved" if decision == "approve" else "rejected"


def review_deadline(in_review_since: datetime, sla_hours: float) -> datetime:
    """When a submission waiting for a person is approved without one."""
    return in_review_since + timedelta(hours=sla_hours)


def appeal_deadline(rejected_at: datetime, window_days: float) -> datetime:
    """The last moment a rejection may be appealed."""
    return rejected_at + timedelta(days=window_days)


def lease_expiry(now: datetime, lease_seconds: int) -> datetime:
    """Until when a lease taken or renewed now holds."""
    return now + timedelta(seconds=lease_seconds)


# A worker's level, from their decided submissions only (approved, rejected): a reviewer
# weighs a first-timer's doubt differently from a long record's. Pending ones say nothing.
NEW_BELOW_DECIDED = 10  # fewer decided submissions than this: "new"
EXPERIENCED_FROM_APPROVED = 50  # at least this many approved ...
EXPERIENCED_MAX_REJECTED_PERCENT = 5  # ... and at most this share rejected: "experienced"
WORKER_LEVELS = ("new", "regular", "experienced")
LEVEL_RULE = (
    f"`new`: fewer than {NEW_BELOW_DECIDED} decided (approved + rejected) submissions; "
    f"`experienced`: at least {EXPERIENCED_FROM_APPROVED} approved and at most "
    f"{EXPERIENCED_MAX_REJECTED_PERCENT} % of the decided ones rejected; `regular`: the rest"
)


def worker_level(approved: int, rejected: int) -> str:
    """A worker's level from their approved and rejected counts (see LEVEL_RULE)."""
    decided = approved + rejected
    if decided < NEW_BELOW_DECIDED:
        return "new"
    if (
        approved >= EXPERIENCED_FROM_APPROVED
        and rejected * 100 <= EXPERIENCED_MAX_REJECTED_PERCENT * decided
    ):
        return "experienced"
    return "regular"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def decided_sentence(status: str, actor: str, by: str | None, at: datetime) -> str:
    """Who decided what and when, in words: "Approved by Bea Admin at 2026-12-05 18:40 UTC"."""
    what = {"approved": "Approved", "rejected": "Rejected"}.get(status, status.capitalize())
    if actor == "deadline":
        return f"{what} automatically at {_when(at)}: nobody decided within the review deadline."
    if actor == "machine":
        return f"{what} automatically by the checks at {_when(at)}."
    return f"{what} by {by or 'an admin'} at {_when(at)}."


def lease_held_sentence(holder: str, until: datetime) -> str:
    """Why another admin may not work a submission now."""
    return f"{holder} is reviewing this submission (lease until {until:%H:%M:%S} UTC)."


BULK_APPROVE_MAX = 200  # one confirmation, one request: a filtered page or four


@dataclass(frozen=True)
class Waiting:
    """Submissions awaiting a person alike in all the queue's counts see (one, or `count`)."""

    flags: tuple[str, ...]
    doubted: bool
    brand: tuple[str, str]  # (id, name)
    campaign: tuple[str, str]
    count: int = 1  # how many waiting submissions share all of the above


def queue_counts(
    waiting: Iterable[Waiting],
    *,
    campaign_id: str | None,
    brand_id: str | None,
    flag: str | None,
) -> dict[str, Any]:
    """The queue's counts under a filter: how many it lists (all, and doubted ones), and for
    each flag, brand and campaign how many choosing it would list, the other filters kept."""
    every = list(waiting)

    def kept(item: Waiting, *, skip: str) -> bool:
        return (
            (skip == "campaign" or campaign_id is None or item.campaign[0] == campaign_id)
            and (skip == "brand" or brand_id is None or item.brand[0] == brand_id)
            and (skip == "flag" or flag is None or flag in item.flags)
        )

    listed = [item for item in every if kept(item, skip="")]
    by_flag: Counter[str] = Counter()
    for item in every:
        if kept(item, skip="flag"):
            by_flag.update(dict.fromkeys(item.flags, item.count))
    return {
        "total": sum(item.count for item in listed),
        "flagged": sum(item.count for item in listed if item.doubted),
        "by_flag": dict(sorted(by_flag.items())),
        "by_brand": _named_counts(
            (item.brand, item.count) for item in every if kept(item, skip="brand")
        ),
        "by_campaign": _named_counts(
            (item.campaign, item.count) for item in every if kept(item, skip="campaign")
        ),
    }


def _named_counts(keyed: Iterable[tuple[tuple[str, str], int]]) -> list[dict[str, Any]]:
    """[{id, name, count}] by name, then id, from ((id, name), count) pairs."""
    counted: Counter[tuple[str, str]] = Counter()
    for key, n in keyed:
        counted[key] += n
    return [
        {"id": id_, "name": name, "count": n}
        for (id_, name), n in sorted(counted.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
