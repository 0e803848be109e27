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
