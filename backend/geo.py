"""Pure geometry on the WGS84 ellipsoid: geodesic distances and search boxes."""

from __future__ import annotations

import math
from dataclasses import dataclass

from geopy.distance import geodesic

# Metres per degree, rounded down so a box built from them is never too small.
_M_PER_DEG_LAT_MIN = 110_574.0 * 0.999
_M_PER_DEG_LON_EQUATOR = 111_319.5 * 0.999


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic (WGS84) distance in metres between two (latitude, longitude) points."""
    return float(geodesic(a, b).meters)


@dataclass(frozen=True)
class BoundingBox:
    """A latitude band and the longitude ranges (two across the antimeridian) to search."""

    lat_min: float
    lat_max: float
    lon_ranges: tuple[tuple[float, float], ...]  # empty: every longitude


def bounding_box(latitude: float, longitude: float, radius_m: float) -> BoundingBox:
    """A box that contains every point within `radius_m` of the centre (a prefilter only)."""
    dlat = radius_m / _M_PER_DEG_LAT_MIN
    lat_min, lat_max = max(latitude - dlat, -90.0), min(latitude + dlat, 90.0)
    widest = max(abs(lat_min), abs(lat_max))
    if widest >= 89.0:
        return BoundingBox(lat_min, lat_max, ())
    dlon = radius_m / (_M_PER_DEG_LON_EQUATOR * math.cos(math.radians(widest)))
    if dlon >= 180.0:
        return BoundingBox(lat_min, lat_max, ())
    west, east = longitude - dlon, longitude + dlon
    if west < -180.0:
        return BoundingBox(lat_min, lat_max, ((west + 360.0, 180.0), (-180.0, east)))
    if east > 180.0:
        return BoundingBox(lat_min, lat_max, ((west, 180.0), (-180.0, east - 360.0)))
    return BoundingBox(lat_min, lat_max, ((west, east),))


# Haversine on the mean sphere is within about 0.56 % of the WGS84 geodesic; take a margin.
SPHERE_ERROR = 0.0075
_MEAN_RADIUS_M = 6_371_008.8


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance on the mean sphere: fast, and within SPHERE_ERROR of geodesic."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def nearest_within(
    origin: tuple[float, float],
    candidates: list[tuple[str, float, float]],
    radius_m: float,
    limit: int,
) -> list[tuple[str, float]]:
    """The `limit` nearest (id, geodesic metres) within radius_m, nearest first.

    The sphere ranks cheaply; geopy's exact geodesic is computed only for the candidates the
    sphere cannot rule out, so the answer is the exact geodesic one.
    """
    ranked = sorted(
        (haversine_m(origin, (lat, lon)), cid, lat, lon) for cid, lat, lon in candidates
    )
    bound = radius_m / (1 - SPHERE_ERROR)
    maybe = [item for item in ranked if item[0] <= bound]
    if len(maybe) >= limit:
        # The limit-th nearest is at most this far; nothing farther on the sphere can beat it.
        kth = maybe[limit - 1][0] * (1 + SPHERE_ERROR)
        maybe = [item for item in maybe if item[0] * (1 - SPHERE_ERROR) <= kth]
    exact = [(cid, distance_m(origin, (lat, lon))) for _h, cid, lat, lon in maybe]
    inside = sorted(((cid, d) for cid, d in exact if d <= radius_m), key=lambda x: (x[1], x[0]))
    return inside[:limit]
