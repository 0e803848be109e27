"""Pure mission rules: search boxes, geodesic distances, claim windows. No session here."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

SEARCH_START_M = 625.0
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


def first_knn_size(limit: int) -> int:
    """How many index neighbours to read first: the limit and a margin, a power of two.

    Few sizes keep the database's cache of prepared statements small.
    """
    return 1 << max(4, (limit + 8 - 1).bit_length())


def claim_expires_at(now: datetime, *, est_minutes: int, buffer_minutes: int) -> datetime:
    """How long a claim holds: the time in store plus a buffer to get there and upload."""
    return now + timedelta(minutes=est_minutes + buffer_minutes)


def inside_geofence(distance: float, accuracy_m: float, geofence_m: int) -> bool:
    """Inside when the reported position, give or take its accuracy, can be in the fence."""
    return distance - min(max(accuracy_m, 0.0), 100.0) <= geofence_m


def effective_hourly_rate(
    *, reward_minor: int, est_minutes: int, distance_m: float, speed_kmh: float
) -> int:
    """Reward per hour of the worker's time, the walk there included, in minor units."""
    travel_minutes = (distance_m / 1000.0) / speed_kmh * 60.0
    return int(reward_minor * 60 / max(est_minutes + travel_minutes, 1.0))


def check_in_problems(latitude: float, longitude: float, accuracy_m: float) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        errors["latitude"] = ["Must be between -90 and 90."]
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        errors["longitude"] = ["Must be between -180 and 180."]
    if not (math.isfinite(accuracy_m) and 0 <= accuracy_m <= 10_000):
        errors["accuracy_m"] = ["Must be between 0 and 10000 metres."]
    return errors
