"""Pure fairness arithmetic: percentiles, histograms, rates, pay per active hour.

Nothing here touches a database. Money is integer minor units; a pay rate is minor units
per hour, rounded down (as the effective hourly rate on missions is).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.kernel.money import Money
from backend.settings import Settings

HISTOGRAM_WIDTH_MINOR = 200  # 2.00 per hour a bin
HISTOGRAM_MAX_BINS = 40  # beyond, the last bin is open-ended


@dataclass(frozen=True)
class FairnessSettings:
    floor: Money  # least pay per hour, FAIRFIELD_MIN_HOURLY
    allowance_minutes: int  # travel time added to every mission, FAIRFIELD_TRAVEL_ALLOWANCE_MINUTES


def settings_from(settings: Settings) -> FairnessSettings:
    """The pay floor and travel allowance from the app's settings."""
    return FairnessSettings(
        floor=settings.min_hourly, allowance_minutes=settings.travel_allowance_minutes
    )


def hourly_pay(*, paid_minor: int, est_minutes: int, allowance_minutes: int) -> int:
    """Pay per active hour: the amount over the minutes in store plus the travel allowance."""
    return paid_minor * 60 // max(est_minutes + allowance_minutes, 1)


def rank(count: int, q: float) -> tuple[int, float]:
    """Where the q-th quantile of `count` ordered values lies: the lower rank (from 0) and
    how far it is from there towards the next."""
    position = (count - 1) * q
    low = math.floor(position)
    return low, position - low


def interpolate(pair: Sequence[float], fraction: float) -> float:
    """`fraction` of the way from the value at a rank to the next one (the last value alone)."""
    return pair[0] + (pair[-1] - pair[0]) * fraction


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th quantile (0..1), interpolated between the two nearest ranks (numpy's default);
    None when there are no values. percentile(v, 0.5) is the median."""
    if not values:
        return None
    ordered = sorted(values)
    low, fraction = rank(len(ordered), q)
    return interpolate(ordered[low : low + 2], fraction)


def counted_percentile(counted: Sequence[tuple[int, int]], q: float) -> float | None:
    """percentile() of the values each given with its count, (value, count) sorted by value,
    without writing each one out."""
    total = sum(count for _, count in counted)
    if not total:
        return None
    low, fraction = rank(total, q)
    pair: list[float] = []
    seen = 0
    for value, count in counted:
        seen += count
        while seen > low + len(pair) and len(pair) < 2:
            pair.append(value)
        if len(pair) == 2:
            break
    return interpolate(pair, fraction)


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def round_minor(value: float | None) -> int | None:
    """A fractional amount (a median of two rates) to whole minor units, halves up."""
    return None if value is None else math.floor(value + 0.5)


def seconds_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds()


def expand(counted: Iterable[tuple[int, int]]) -> list[int]:
    """(value, count) pairs from a grouped query back to the values, each `count` times."""
    return [value for value, count in counted for _ in range(count)]


def delay_figures(seconds: Sequence[float]) -> dict[str, Any]:
    """How many, the median and the 90th percentile of durations in seconds."""
    return {
        "count": len(seconds),
        "median_seconds": percentile(seconds, 0.5),
        "p90_seconds": percentile(seconds, 0.9),
    }


def histogram(
    values: Sequence[int], *, width: int = HISTOGRAM_WIDTH_MINOR, max_bins: int = HISTOGRAM_MAX_BINS
) -> list[dict[str, Any]]:
    """Counts in bins [k*width, (k+1)*width) from 0 up to the largest value; a value past
    `max_bins` bins lands in the last one, whose `to_minor` is then None (open-ended)."""
    return counted_histogram(list(Counter(values).items()), width=width, max_bins=max_bins)


def counted_histogram(
    counted: Sequence[tuple[int, int]],
    *,
    width: int = HISTOGRAM_WIDTH_MINOR,
    max_bins: int = HISTOGRAM_MAX_BINS,
) -> list[dict[str, Any]]:
    """histogram() of the values each given with its count, (value, count)."""
    counted = [(value, count) for value, count in counted if count]
    if not counted:
        return []
    top = max(value for value, _ in counted)
    bins = min(top // width + 1, max_bins)
    counts = [0] * bins
    for value, count in counted:
        counts[min(max(value, 0) // width, bins - 1)] += count
    open_ended = top >= bins * width
    return [
        {
            "from_minor": k * width,
            "to_minor": None if open_ended and k == bins - 1 else (k + 1) * width,
            "count": counts[k],
        }
        for k in range(bins)
    ]


def pay_figures(rates: Sequence[int], settings: FairnessSettings) -> dict[str, Any]:
    """The distribution of pay per active hour: count, median, p10, p90, bins, under the floor."""
    return counted_pay_figures(list(Counter(rates).items()), settings)


def counted_pay_figures(
    counted: Iterable[tuple[int, int]], settings: FairnessSettings
) -> dict[str, Any]:
    """pay_figures() of the rates each given with its count, (rate, count): a grouped query's
    few hundred rows stand for every submission."""
    merged: Counter[int] = Counter()
    for rate, count in counted:
        merged[rate] += count
    ordered = sorted((rate, count) for rate, count in merged.items() if count)
    currency = settings.floor.currency

    def money(q: float) -> dict[str, Any] | None:
        amount = round_minor(counted_percentile(ordered, q))
        return None if amount is None else {"amount_minor": amount, "currency": currency}

    return {
        "count": sum(count for _, count in ordered),
        "median": money(0.5),
        "p10": money(0.1),
        "p90": money(0.9),
        "below_floor": sum(count for rate, count in ordered if rate < settings.floor.amount_minor),
        "histogram": counted_histogram(ordered),
    }


def floor_figures(
    missions: Iterable[tuple[int, str, int, int]], settings: FairnessSettings
) -> dict[str, Any]:
    """Open missions under the pay floor, from (reward + bonus, currency, est_minutes, count).

    A mission's rate is its reward and bonus per estimated hour with the travel allowance,
    the rule that refuses publishing; one in another currency than the floor's is not compared.
    """
    compared = below = other = 0
    for pay_minor, currency, est_minutes, count in missions:
        if currency != settings.floor.currency:
            other += count
            continue
        compared += count
        rate = hourly_pay(
            paid_minor=pay_minor,
            est_minutes=est_minutes,
            allowance_minutes=settings.allowance_minutes,
        )
        below += count if rate < settings.floor.amount_minor else 0
    return {
        "missions": compared,
        "below_floor": below,
        "share": ratio(below, compared),
        "other_currency": other,
    }


def campaign_rates(statuses: Mapping[str, int], appeals: Mapping[str, int]) -> dict[str, Any]:
    """Rejection and reversal figures from counts by final status and by appeal status.

    Decided means approved or rejected now; a submission under appeal is neither yet.
    """
    approved = statuses.get("approved", 0)
    rejected = statuses.get("rejected", 0)
    appeals_approved = appeals.get("approved", 0)
    appeals_decided = appeals_approved + appeals.get("rejected", 0)
    return {
        "submissions": sum(statuses.values()),
        "decided": approved + rejected,
        "rejected": rejected,
        "rejection_rate": ratio(rejected, approved + rejected),
        "appeals_decided": appeals_decided,
        "appeals_approved": appeals_approved,
        "reversal_rate": ratio(appeals_approved, appeals_decided),
    }
