"""Pure store rules: coordinates, geofences, distances, cursors and CSV rows. No database."""

from __future__ import annotations

import base64
import binascii
import json
import math

GEOFENCE_DEFAULT_M = 150
GEOFENCE_MIN_M = 25
GEOFENCE_MAX_M = 1000
RADIUS_MAX_M = 50_000

NAME_MAX = 200
CHAIN_MAX = 100
ADDRESS_MAX = 300
EXTERNAL_REF_MAX = 100

CSV_COLUMNS = ("name", "chain", "address", "latitude", "longitude", "geofence_m", "external_ref")
CSV_REQUIRED = ("name", "latitude", "longitude")
STORE_FIELDS = ("name", "chain", "address", "latitude", "longitude", "geofence_m")
# Where a store is, as a worker finds and checks in at it.
PLACE_FIELDS = ("latitude", "longitude", "geofence_m")

# The shortest degree of latitude (at the equator) and of longitude per cos(latitude) on WGS84,
# less a margin, so the bounding box always contains every point geopy puts inside the radius.


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


def parse_near(value: str) -> tuple[float, float]:
    """`"lat,lon"` -> (lat, lon); ValueError with a readable reason otherwise."""
    parts = value.split(",")
    if len(parts) != 2:
        raise ValueError("Must be 'latitude,longitude', e.g. '50.8467,4.3525'.")
    try:
        latitude, longitude = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError("Must be 'latitude,longitude', e.g. '50.8467,4.3525'.") from None
    if coordinate_problems(latitude, longitude):
        raise ValueError("Latitude must be in [-90, 90] and longitude in [-180, 180].")
    return latitude, longitude


def encode_distance_cursor(distance: float, store_id: str) -> str:
    """An opaque cursor for pages sorted by (distance, id)."""
    raw = json.dumps(["d", distance, store_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_distance_cursor(cursor: str) -> tuple[float, str]:
    """(distance, id) from a cursor; ValueError if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, distance, store_id = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise ValueError("Not a cursor this search gave out.") from None
    if kind != "d" or not isinstance(store_id, str) or not isinstance(distance, int | float):
        raise ValueError("Not a cursor this search gave out.")
    if isinstance(distance, bool) or not math.isfinite(distance):
        raise ValueError("Not a cursor this search gave out.")
    return float(distance), store_id


# CSV import rows


def header_problems(header: list[str]) -> list[str]:
    """Why a CSV header cannot be imported (empty when it can)."""
    problems = []
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        shown = ", ".join(repr(name[:40]) for name in unknown[:5])
        problems.append(f"Unknown columns: {shown}. Allowed: {', '.join(CSV_COLUMNS)}.")
    missing = [name for name in CSV_REQUIRED if name not in header]
    if missing:
        problems.append(f"Missing required columns: {', '.join(missing)}.")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        problems.append(f"Duplicated columns: {', '.join(duplicated)}.")
    return problems


def normalize_header(cells: list[str]) -> list[str]:
    return [cell.strip().lower() for cell in cells]


def parse_row(cells: dict[str, str]) -> tuple[dict[str, object], list[str]]:
    """One CSV row (column -> raw text) -> (store fields, problems). Values are only text:
    a cell that looks like a spreadsheet formula is stored as written, never evaluated."""
    problems: list[str] = []
    for column, text in cells.items():
        if "\x00" in text:
            problems.append(f"{column}: contains a NUL character.")
        elif _has_surrogate(text):
            problems.append(f"{column}: is not valid UTF-8.")
    if problems:
        return {}, problems
    name = cells.get("name", "").strip()
    if not name:
        problems.append("name: is required.")
    latitude = _number(cells.get("latitude", ""), "latitude", -90, 90, problems)
    longitude = _number(cells.get("longitude", ""), "longitude", -180, 180, problems)
    geofence = _geofence(cells.get("geofence_m", ""), problems)
    data: dict[str, object] = {
        "name": name,
        "chain": cells.get("chain", "").strip() or None,
        "address": cells.get("address", "").strip() or None,
        "latitude": latitude,
        "longitude": longitude,
        "geofence_m": geofence,
        "external_ref": cells.get("external_ref", "").strip() or None,
    }
    for column, limit in (
        ("name", NAME_MAX),
        ("chain", CHAIN_MAX),
        ("address", ADDRESS_MAX),
        ("external_ref", EXTERNAL_REF_MAX),
    ):
        value = data[column]
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"{column}: longer than {limit} characters.")
    return data, problems


def _number(text: str, column: str, low: float, high: float, problems: list[str]) -> float:
    text = text.strip()
    if not text:
        problems.append(f"{column}: is required.")
        return math.nan
    try:
        value = float(text)
    except ValueError:
        problems.append(f"{column}: {text[:40]!r} is not a number.")
        return math.nan
    if not math.isfinite(value) or not low <= value <= high:
        problems.append(f"{column}: must be a number between {low} and {high}.")
    return value


def _geofence(text: str, problems: list[str]) -> int:
    text = text.strip()
    if not text:
        return GEOFENCE_DEFAULT_M
    try:
        value = int(text)
    except ValueError:
        problems.append(f"geofence_m: {text[:40]!r} is not a whole number of metres.")
        return GEOFENCE_DEFAULT_M
    if not GEOFENCE_MIN_M <= value <= GEOFENCE_MAX_M:
        problems.append(f"geofence_m: must be between {GEOFENCE_MIN_M} and {GEOFENCE_MAX_M}.")
    return value


def is_clean_text(text: str) -> bool:
    """No NUL and no undecodable byte: text PostgreSQL and JSON can hold."""
    return "\x00" not in text and not _has_surrogate(text)


def _has_surrogate(text: str) -> bool:
    # Undecodable bytes arrive as lone surrogates (the reader decodes with surrogateescape).
    return any("\ud800" <= char <= "\udfff" for char in text)


def line_error(line: int, problem: str) -> dict[str, object]:
    """A bad CSV line's problem as the API reports it: `{line, field, detail}`, `field` the
    column at fault ("latitude: ..."), or None when the line as a whole is (not CSV, too
    many fields)."""
    column, colon, detail = problem.partition(": ")
    if colon and column in CSV_COLUMNS:
        return {"line": line, "field": column, "detail": detail}
    return {"line": line, "field": None, "detail": problem}
