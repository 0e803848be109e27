"""Pure store rules: coordinates and geofences."""

from __future__ import annotations

import math

GEOFENCE_DEFAULT_M = 150
GEOFENCE_MIN_M = 25
GEOFENCE_MAX_M = 1000


def coordinate_problems(latitude: float, longitude: float) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not math.isfinite(latitude) or not -90 <= latitude <= 90:
        errors["latitude"] = ["Must be a number between -90 and 90."]
    if not math.isfinite(longitude) or not -180 <= longitude <= 180:
        errors["longitude"] = ["Must be a number between -180 and 180."]
    return errors


def geofence_problems(geofence_m: int) -> dict[str, list[str]]:
    if not GEOFENCE_MIN_M <= geofence_m <= GEOFENCE_MAX_M:
        return {"geofence_m": [f"Must be between {GEOFENCE_MIN_M} and {GEOFENCE_MAX_M} metres."]}
    return {}
