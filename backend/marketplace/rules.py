"""Pure mission rules: search boxes, geodesic distances, travel, pay per hour, claim windows.

No session here. Money is integer minor units; only distances and speeds are floats.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import NamedTuple

SEARCH_START_M = 625.0
# A box still holding this many rows is too dense to rank whole: the search shrinks it (down
# to the floor, where every row is read however many share the spot).
SEARCH_FLOOR_M = 1.0
RADIUS_MAX_M = 50_000
LIMIT_MAX = 100


def first_search_radius(radius_m: float) -> float:
    """Where the expanding search starts: a small box answers a dense city at once."""
    return min(SEARCH_START_M, radius_m)


def next_search_radius(r: float, found: int, limit: int, radius_m: float) -> float:
    """The next box after finding `found` of `limit` within `r`: sized by the density seen.

    At least double, so a search ends in a few steps; four times when the box was empty.
    """
    grow = 4.0 if found == 0 else max(2.0, 1.25 * math.sqrt(limit / found))
    return min(r * grow, radius_m)


def box_row_cap(limit: int) -> int:
    """Rows a first box may hold before the search tries a smaller one: far more than the
    limit (a box's corners lie outside its circle), far fewer than a packed district."""
    return max(256, 8 * limit)


def smaller_search_radius(r: float, short: float, full: float) -> float:
    """The next box after one of radius `r` too full to rank, `short` the widest read whole
    that held too few (0 if none): a sixteenth of the area if none, else halfway between;
    never under the floor."""
    if short <= 0:
        return max(r / 4.0, SEARCH_FLOOR_M)
    return max((short + full) / 2.0, SEARCH_FLOOR_M)


def first_knn_size(limit: int) -> int:
    """How many index neighbours to read first: the limit and a margin, a power of two.

    Few sizes keep the database's cache of prepared statements small.
    """
    return 1 << max(4, (limit + 8 - 1).bit_length())


def travel_minutes(distance_m: float, speed_kmh: float) -> int:
    """Minutes to cover a distance at a speed, to the nearest whole minute."""
    minutes = distance_m * 60.0 / (max(speed_kmh, 0.1) * 1000.0)
    return math.floor(minutes + 0.5)


class Estimate(NamedTuple):
    """What a mission asks of a worker's time; travel is unknown without their position."""

    travel_minutes: int | None
    in_store_minutes: int
    distance_m: float | None


def estimate(*, est_minutes: int, distance_m: float | None, speed_kmh: float) -> Estimate:
    """The time a mission takes: the trip there from a position, if given, and the store."""
    if distance_m is None:
        return Estimate(None, est_minutes, None)
    return Estimate(travel_minutes(distance_m, speed_kmh), est_minutes, round(distance_m, 1))


class WindowPolicy(NamedTuple):
    """The settings a claim window is made from (FAIRFIELD_CLAIM_* and TRAVEL_SPEED_KMH)."""

    buffer_minutes: int
    min_minutes: int
    max_minutes: int
    speed_kmh: float


class ClaimWindow(NamedTuple):
    """How long a claim holds, and of what: the total is the sum kept within the bounds."""

    travel_minutes: int
    in_store_minutes: int
    buffer_minutes: int
    total_minutes: int


def claim_window(*, travel_minutes: int, est_minutes: int, policy: WindowPolicy) -> ClaimWindow:
    """Time to get there, do the job and upload, never under the minimum nor over the maximum."""
    wanted = travel_minutes + est_minutes + policy.buffer_minutes
    total = min(max(wanted, policy.min_minutes), policy.max_minutes)
    return ClaimWindow(travel_minutes, est_minutes, policy.buffer_minutes, total)


def claim_expires_at(now: datetime, window: ClaimWindow) -> datetime:
    """When a claim made now with this window lapses."""
    return now + timedelta(minutes=window.total_minutes)


def inside_geofence(distance: float, accuracy_m: float, geofence_m: int) -> bool:
    """Inside when the reported position, give or take its accuracy, can be in the fence."""
    return distance - min(max(accuracy_m, 0.0), 100.0) <= geofence_m


def effective_hourly_rate(*, pay_minor: int, est_minutes: int, travel_minutes: int) -> int:
    """Pay per hour of the worker's time, the trip there included, in minor units (rounded
    down: a rate is never shown higher than it is)."""
    return pay_minor * 60 // max(est_minutes + travel_minutes, 1)


def check_in_problems(latitude: float, longitude: float, accuracy_m: float) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        errors["latitude"] = ["Must be between -90 and 90."]
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        errors["longitude"] = ["Must be between -180 and 180."]
    if not (math.isfinite(accuracy_m) and 0 <= accuracy_m <= 10_000):
        errors["accuracy_m"] = ["Must be between 0 and 10000 metres."]
    return errors
