"""Pure geometry: great-circle and geodesic distances, and search boxes."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from geopy.distance import EARTH_RADIUS, geodesic, great_circle

# geopy's mean Earth radius, so the vectorised great circle below is geopy's to the micrometre.
EARTH_RADIUS_M = EARTH_RADIUS * 1000.0

# Metres per degree, the smaller of the sphere's and the ellipsoid's, less 0.1 %: a box built
# from them holds every point within the radius, measured either way.
_M_PER_DEG_LAT_MIN = 110_574.0 * 0.999
_M_PER_DEG_LON_EQUATOR = EARTH_RADIUS_M * math.pi / 180.0 * 0.999


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic (WGS84) distance in metres between two (latitude, longitude) points."""
    return float(geodesic(a, b).meters)


def great_circle_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres on geopy's mean-radius sphere."""
    return float(great_circle(a, b).meters)


def great_circle_many(
    latitude: float, longitude: float, lats: np.ndarray, lons: np.ndarray
) -> np.ndarray:
    """Great-circle metres from one point to many: geopy's formula, vectorised."""
    phi1 = math.radians(latitude)
    sin1, cos1 = math.sin(phi1), math.cos(phi1)
    phi2 = np.radians(lats)
    sin2, cos2 = np.sin(phi2), np.cos(phi2)
    dlon = np.radians(lons - longitude)
    cos_dlon = np.cos(dlon)
    across = np.hypot(cos2 * np.sin(dlon), cos1 * sin2 - sin1 * cos2 * cos_dlon)
    return np.arctan2(across, sin1 * sin2 + cos1 * cos2 * cos_dlon) * EARTH_RADIUS_M


def nearest_within(
    origin: tuple[float, float],
    ids: Sequence[str],
    lats: Sequence[float],
    lons: Sequence[float],
    radius_m: float,
    limit: int,
) -> list[tuple[str, float]]:
    """The `limit` nearest (id, great-circle metres) within radius_m; ties go to the lower id."""
    if not ids:
        return []
    metres = great_circle_many(origin[0], origin[1], np.asarray(lats), np.asarray(lons))
    inside = np.flatnonzero(metres <= radius_m)
    if len(inside) > limit:
        # Keep every candidate as near as the limit-th, so ties are settled by id, not by luck.
        kth = np.partition(metres[inside], limit - 1)[limit - 1]
        inside = inside[metres[inside] <= kth]
    found = sorted((float(metres[i]), ids[i]) for i in inside.tolist())
    return [(mid, metres_) for metres_, mid in found[:limit]]


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
