"""Pure privacy rules: what a check's evidence keeps once positions go, and erased values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

# What the location check keeps: how far from the store, the fence, and (on the check) the
# verdict. The accuracy goes with the position it qualified.
LOCATION_KEPT = ("distance_m", "geofence_m")
# The implied-speed check keeps its verdict's numbers; the distance and minutes to the
# worker's previous submission are a trace of their day between jobs.
TRAVEL_KEPT = ("speed_kmh", "max_kmh", "previous")
# Keys that would carry a raw position in any check's evidence, now or in a future check.
POSITION_KEYS = frozenset(
    {"latitude", "longitude", "lat", "lon", "lng", "position", "gps", "coordinates", "point"}
)
# Erasure also drops what points at the person's files (a stored photo's digest) and device
# (the camera software EXIF named).
ERASED_KEYS = frozenset({"sha256", "software"})

ERASED = "erased"
# Not an argon2 hash: verification fails on it, so no password opens the account again.
UNUSABLE_PASSWORD = "!erased"  # noqa: S105 (a marker, not a secret)


def retention_cutoff(now: datetime, days: int) -> datetime:
    """Submissions received before this instant have their positions reduced."""
    return now - timedelta(days=days)


def erased_email(user_id: str) -> str:
    """A unique, undeliverable address that says only that the account was erased."""
    return f"erased-{user_id}@invalid"


def reduce_checks(
    checks: Sequence[dict[str, Any]], *, erasing: bool = False
) -> list[dict[str, Any]]:
    """The checks with every raw position removed (and, when erasing, what names the
    person's files and device); idempotent."""
    dropped = POSITION_KEYS | ERASED_KEYS if erasing else POSITION_KEYS
    return [
        check | {"detail": reduce_detail(check["name"], check.get("detail") or {}, dropped)}
        for check in checks
    ]


def reduce_detail(
    name: str, detail: dict[str, Any], dropped: frozenset[str] = POSITION_KEYS
) -> dict[str, Any]:
    """One check's evidence without raw positions: distances and verdicts remain."""
    if name == "location":
        return {key: detail[key] for key in LOCATION_KEPT if key in detail}
    if name == "travel_speed":
        return {key: detail[key] for key in TRAVEL_KEPT if key in detail}
    return {
        key: _without(item, dropped)
        for key, item in detail.items()
        if str(key).lower() not in dropped
    }


def _without(value: Any, dropped: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: _without(item, dropped)
            for key, item in value.items()
            if str(key).lower() not in dropped
        }
    if isinstance(value, list):
        return [_without(item, dropped) for item in value]
    return value
