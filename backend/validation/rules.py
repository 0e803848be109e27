"""Pure validation rules: the answers, and the decision the checks add up to. No session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.submissions.rules import COUNT_MAX
from backend.validation.photos import Check

# A GPS fix claiming worse than this says little; it can widen the fence no further.
ACCURACY_CAP_M = 100.0
# Two submissions a few seconds apart would imply any speed: time is floored at a minute.
SPEED_MIN_INTERVAL = timedelta(minutes=1)
# Reason codes of the review catalogue, for the hard checks that reject.
REASON_CODES = {"reuse": "reused_photo", "no_usable_photo": "no_usable_photo"}

# A closed store is evidenced by one photo of its storefront, whatever the campaign asks.
STORE_CLOSED = "store_closed"
STOREFRONT_PHOTOS = 1

Point = tuple[float, float]


def answer_checks(
    answers: Sequence[dict[str, Any]],
    *,
    skus: Sequence[str],
    photos_sent: int,
    photos_required: int,
    outcome: str = "completed",
) -> list[Check]:
    """Every product answered once, counts plausible and consistent, enough photos.

    A closed store has nothing to count: no answer is required, and one photo (the
    storefront) is enough. Answers it does carry must still be plausible.
    """
    closed = outcome == STORE_CLOSED
    if closed:
        photos_required = STOREFRONT_PHOTOS
    given = [answer.get("sku") for answer in answers]
    missing = sorted(set(skus) - set(given))
    unknown = sorted({str(sku) for sku in given if sku not in set(skus)})
    repeated = sorted({str(sku) for sku in given if given.count(sku) > 1})
    bad_counts = [
        str(answer.get("sku"))
        for answer in answers
        if not isinstance(answer.get("count"), int)
        or isinstance(answer.get("count"), bool)
        or not 0 <= answer["count"] <= COUNT_MAX
    ]
    inconsistent = [
        str(answer.get("sku"))
        for answer in answers
        if answer.get("out_of_stock") is True and answer.get("count") != 0
    ]
    complete = Check(
        "answers_complete",
        not (missing or unknown or repeated),
        {"missing": missing, "unknown": unknown, "repeated": repeated},
    )
    if closed:
        complete = Check("answers_complete", True, {"required": False, "outcome": outcome})
    return [
        complete,
        Check("counts_plausible", not bad_counts, {"skus": bad_counts, "max": COUNT_MAX}),
        Check("out_of_stock_consistent", not inconsistent, {"skus": inconsistent}),
        Check(
            "photos_required",
            photos_sent >= photos_required,
            {"sent": photos_sent, "required": photos_required},
        ),
    ]


@dataclass(frozen=True)
class Decision:
    status: str  # approved | rejected | in_review
    reasons: list[str]  # why it was rejected: the failed hard checks
    flags: list[str]  # what a reviewer should look at first: the failed soft checks


def decide(
    photo_reports: Sequence[Sequence[Check]],
    other_checks: Sequence[Check],
    *,
    review_required: bool = False,
) -> Decision:
    """What the checks add up to. The machine rejects only on hard evidence, never on doubt.

    A photo is usable when it passed every hard check; a submission without one is
    rejected, as is any hard failure outside the photos (a photo reused from another
    submission). Any soft failure, an unusable photo beside usable ones, or a campaign
    that wants a human, goes to review.
    """
    usable = [checks for checks in photo_reports if all(c.passed for c in checks if c.hard)]
    reasons = sorted({c.name for c in other_checks if c.hard and not c.passed})
    if not usable:
        reasons = sorted({*reasons, "no_usable_photo"})
    if reasons:
        return Decision("rejected", reasons, [])
    soft = [c for checks in usable for c in checks] + list(other_checks)
    flags = sorted(
        {c.name for c in soft if not c.passed}
        | ({"unusable_photo"} if len(usable) < len(photo_reports) else set())
    )
    if flags or review_required:
        return Decision("in_review", [], flags or ["campaign_requires_review"])
    return Decision("approved", [], [])


def location_check(
    position: Point,
    accuracy_m: float,
    *,
    store: Point,
    geofence_m: float,
    distance_m: Callable[[Point, Point], float],
) -> Check:
    """The device's position at submission, give or take its accuracy, inside the fence."""
    metres = distance_m(position, store)
    allowance = min(max(accuracy_m, 0.0), ACCURACY_CAP_M)
    detail = {
        "distance_m": round(metres, 1),
        "geofence_m": geofence_m,
        "accuracy_m": accuracy_m,
        "accuracy_allowance_m": allowance,
    }
    return Check("location", metres - allowance <= geofence_m, detail)


def speed_check(
    previous: tuple[Point, datetime] | None,
    current: tuple[Point, datetime],
    *,
    max_kmh: float,
    distance_m: Callable[[Point, Point], float],
) -> Check:
    """The speed implied by the worker's previous submission and this one: a teleport is flagged."""
    if previous is None:
        return Check("travel_speed", True, {"previous": None})
    (before, then), (here, now) = previous, current
    metres = distance_m(before, here)
    interval = max(abs(now - then), SPEED_MIN_INTERVAL)
    kmh = metres / 1000 / (interval.total_seconds() / 3600)
    detail = {
        "distance_m": round(metres, 1),
        "minutes": round(abs(now - then).total_seconds() / 60, 1),
        "speed_kmh": round(kmh, 1),
        "max_kmh": max_kmh,
    }
    return Check("travel_speed", kmh <= max_kmh, detail)


def capture_window_check(
    captured_at: datetime, *, window: tuple[datetime, datetime], clock_drift: timedelta
) -> Check:
    """The evidence was captured while the worker held the mission, give or take the drift
    of the phone's clock (FAIRFIELD_EXIF_CLOCK_DRIFT_MINUTES)."""
    start, end = window
    inside = start - clock_drift <= captured_at <= end + clock_drift
    detail = {
        "captured_at": captured_at.isoformat(),
        "window": [start.isoformat(), end.isoformat()],
        "clock_drift_minutes": clock_drift.total_seconds() / 60,
    }
    return Check("captured_in_window", inside, detail)


def reason_codes(reasons: Sequence[str]) -> list[str]:
    """The review catalogue's codes for the machine's reasons."""
    return sorted({REASON_CODES.get(reason, reason) for reason in reasons})
