"""Pure photo checks: what a shelf photo's own bytes say about it. No session, no storage.

Every check yields evidence in numbers. A failed hard check means no usable photo (the
submission is rejected); a failed soft check is a doubt for a human (it goes to review).
The image is decoded once, in JPEG draft mode (DCT scaling to about 1/8, greyscale): every
pixel check here needs no more, at a fraction of a full decode's time and memory.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
from PIL import Image

from backend.submissions.jpeg import Refused, open_jpeg

DRAFT_SCALE = 8
# JPEG's luma (ITU-R BT.601), what a greyscale draft decode of a colour JPEG returns as is.
GREY_WEIGHTS = (0.299, 0.587, 0.114)
# The 4-neighbour Laplacian; sharpness is the variance of its response over the pixels whose
# four neighbours all exist (no padding).
LAPLACIAN = ((0, 1, 0), (1, -4, 1), (0, 1, 0))
# A reduced pixel at or below DARK_CLIP, or at or above BRIGHT_CLIP, is clipped.
DARK_CLIP, BRIGHT_CLIP = 4, 251


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: dict[str, Any] = field(default_factory=dict)
    hard: bool = False


@dataclass(frozen=True)
class PhotoLimits:
    """Thresholds, tuned on phone photos of shelves; each one is a setting later on."""

    max_pixels: int = 50_000_000  # above any phone camera; a decompression bomb fails here
    min_short_side: int = 720
    min_sharpness: float = 40.0  # variance of the Laplacian of the reduced image
    min_luminance: float = 40.0
    max_luminance: float = 220.0
    max_clipped: float = 0.25  # share of pixels crushed to black or burnt to white


@dataclass(frozen=True)
class Exif:
    """What the camera wrote, when it wrote anything readable."""

    taken_at: datetime | None = None
    has_offset: bool = False  # without one, taken_at is the camera's local time read as UTC
    gps: tuple[float, float] | None = None
    software: str | None = None
    unreadable: str | None = None


@dataclass(frozen=True)
class PhotoReport:
    checks: list[Check]
    reduced: Image.Image | None  # the draft-decoded greyscale image, for perceptual hashing
    exif: Exif = Exif()


def inspect_photo(data: bytes, limits: PhotoLimits) -> PhotoReport:
    """Open, bound, decode once reduced, and measure one photo."""
    opened = _open_jpeg(data, limits)
    if isinstance(opened, Check):
        return PhotoReport([opened], None)
    image, checks = opened, [Check("format", True, {"format": "JPEG"}, hard=True)]
    exif = read_exif(image)
    width, height = image.size
    checks.append(Check("pixels", True, {"width": width, "height": height}, hard=True))
    checks.append(
        Check(
            "resolution",
            min(width, height) >= limits.min_short_side,
            {"short_side": min(width, height), "minimum": limits.min_short_side},
        )
    )
    image.draft("L", (max(width // DRAFT_SCALE, 1), max(height // DRAFT_SCALE, 1)))
    try:
        reduced = image.convert("L")  # decodes, at the draft scale
    except (OSError, ValueError, SyntaxError) as exc:  # truncated or corrupt entropy data
        checks.append(Check("decodes", False, {"error": str(exc)[:200]}, hard=True))
        return PhotoReport(checks, None, exif)
    checks.append(Check("decodes", True, {"reduced_to": list(reduced.size)}, hard=True))
    pixels = np.asarray(reduced, dtype=np.float32)
    checks.append(_sharpness(pixels, limits))
    checks.append(_exposure(pixels, limits))
    checks.append(_trailing(data))
    return PhotoReport(checks, reduced, exif)


def _open_jpeg(data: bytes, limits: PhotoLimits) -> Image.Image | Check:
    """The image, header read only, or the hard check that refuses it."""
    try:
        return open_jpeg(data, max_pixels=limits.max_pixels)
    except Refused as refused:
        return Check(refused.check, False, refused.detail, hard=True)


_EOI = b"\xff\xd9"
_MARKUP = re.compile(rb"<\s*(script|html|\?php|svg|iframe|body|object|embed)", re.IGNORECASE)


def _trailing(data: bytes) -> Check:
    """Bytes after the image's end. Phones append motion-photo video there; markup is a hint
    that someone means the file to be read as something other than a photo."""
    end = data.rfind(_EOI)
    trailing = data[end + len(_EOI) :] if end >= 0 else b""
    markup = _MARKUP.search(trailing)
    detail = {
        "trailing_bytes": len(trailing),
        "markup": markup.group(0).decode("latin-1") if markup else None,
    }
    return Check("trailing_data", markup is None, detail)


def laplacian(pixels: np.ndarray) -> np.ndarray:
    """The LAPLACIAN kernel's response at every pixel whose neighbours all exist."""
    height, width = pixels.shape
    response = np.zeros((height - 2, width - 2), dtype=np.float32)
    for dy, row in enumerate(LAPLACIAN):
        for dx, weight in enumerate(row):
            if weight:
                response += weight * pixels[dy : dy + height - 2, dx : dx + width - 2]
    return response


def _sharpness(pixels: np.ndarray, limits: PhotoLimits) -> Check:
    if min(pixels.shape) < 3:
        return Check("sharpness", False, {"error": "too small to measure"})
    variance = float(laplacian(pixels).var())
    detail = {"laplacian_variance": round(variance, 1), "minimum": limits.min_sharpness}
    return Check("sharpness", variance >= limits.min_sharpness, detail)


def _exposure(pixels: np.ndarray, limits: PhotoLimits) -> Check:
    mean = float(pixels.mean())
    clipped = float(((pixels <= DARK_CLIP) | (pixels >= BRIGHT_CLIP)).mean())
    passed = limits.min_luminance <= mean <= limits.max_luminance and clipped <= limits.max_clipped
    detail = {
        "mean_luminance": round(mean, 1),
        "clipped_share": round(clipped, 3),
        "luminance_range": [limits.min_luminance, limits.max_luminance],
        "max_clipped_share": limits.max_clipped,
    }
    return Check("exposure", passed, detail)


HASH_SIDE = 32  # the image is shrunk to 32 x 32 for the DCT; the hash keeps its 8 x 8 corner
_DCT = np.array(
    [
        [np.cos(np.pi * (2 * x + 1) * u / (2 * HASH_SIDE)) for x in range(HASH_SIDE)]
        for u in range(HASH_SIDE)
    ]
)


def perceptual_hash(reduced: Image.Image) -> int:
    """A 64-bit DCT hash (pHash): re-encoding, resizing or slight light changes move few bits.

    Bits are the 8 x 8 lowest frequencies above their median, the first (the mean) left out
    of the median so that brightness alone does not decide.
    """
    small = reduced.convert("L").resize((HASH_SIDE, HASH_SIDE), Image.Resampling.LANCZOS)
    frequencies = _DCT @ np.asarray(small, dtype=np.float64) @ _DCT.T
    corner = frequencies[:8, :8].flatten()
    median = np.median(corner[1:])
    bits = 0
    for above in corner > median:
        bits = (bits << 1) | int(above)
    return bits


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ."""
    return (a ^ b).bit_count()


_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _SOFTWARE = 36867, 36881, 305
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def read_exif(image: Image.Image) -> Exif:
    """The few EXIF fields the checks use; anything malformed reads as absent, never raises."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # Pillow warns of corrupt EXIF: that is unreadable
            exif = image.getexif()
            ifd = exif.get_ifd(_EXIF_IFD)
            gps = exif.get_ifd(_GPS_IFD)
            software = exif.get(_SOFTWARE)
        if image.info.get("exif") and not exif:
            # Pillow reads a broken segment as empty; the camera wrote something, though.
            return Exif(unreadable=f"EXIF segment of {len(image.info['exif'])} bytes, no tags")
        taken_at, has_offset = _taken_at(
            ifd.get(_DATETIME_ORIGINAL), ifd.get(_OFFSET_TIME_ORIGINAL)
        )
        return Exif(
            taken_at=taken_at,
            has_offset=has_offset,
            gps=_position(gps),
            software=str(software)[:100] if software else None,
        )
    except Exception as exc:  # EXIF is untrusted input: any parser failure means "none"
        return Exif(unreadable=f"{type(exc).__name__}: {str(exc)[:150]}")


def _taken_at(value: object, offset: object) -> tuple[datetime | None, bool]:
    if not isinstance(value, str):
        return None, False
    try:
        naive = datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None, False
    match = _OFFSET.match(offset.strip("\x00 ")) if isinstance(offset, str) else None
    if match is None:
        return naive.replace(tzinfo=UTC), False
    sign = 1 if match.group(1) == "+" else -1
    shift = timedelta(hours=int(match.group(2)), minutes=int(match.group(3))) * sign
    return naive.replace(tzinfo=timezone(shift)).astimezone(UTC), True


def _position(gps: dict[int, object]) -> tuple[float, float] | None:
    if not gps:
        return None
    lat = _degrees(gps.get(2), gps.get(1), "S")
    lon = _degrees(gps.get(4), gps.get(3), "W")
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _degrees(parts: object, ref: object, negative: str) -> float | None:
    if not isinstance(parts, tuple) or len(parts) != 3:
        return None
    d, m, s = (float(p) for p in parts)
    if not all(np.isfinite((d, m, s))):
        return None
    value = d + m / 60 + s / 3600
    return -value if str(ref).strip("\x00 ").upper() == negative else value


# UTC offsets run from -12 h to +14 h: a time with no offset can only be placed that loosely.
NO_OFFSET_SLACK = timedelta(hours=14)
_SCREEN_HINTS = ("screenshot", "screen shot", "photoshop", "gimp", "snapseed", "canva")


def exif_checks(
    exif: Exif,
    *,
    window: tuple[datetime, datetime],
    store: tuple[float, float],
    geofence_m: float,
    distance_m: Callable[[tuple[float, float], tuple[float, float]], float],
    clock_drift: timedelta,
) -> list[Check]:
    """Soft checks on what the camera wrote, each only when the camera wrote it.

    The camera's clock is not the server's: every time comparison allows `clock_drift`
    either side (FAIRFIELD_EXIF_CLOCK_DRIFT_MINUTES), and EXIF keeps whole seconds only.
    """
    checks = []
    if exif.unreadable is not None:
        # Cameras write EXIF that parses; a segment that does not was edited or forged.
        checks.append(Check("exif_readable", False, {"error": exif.unreadable}))
    if exif.taken_at is not None:
        start, end = window
        slack = timedelta(0) if exif.has_offset else NO_OFFSET_SLACK
        inside = start - slack - clock_drift <= exif.taken_at <= end + slack + clock_drift
        detail = {
            "taken_at": exif.taken_at.isoformat(),
            "window": [start.isoformat(), end.isoformat()],
            "slack_hours": slack.total_seconds() / 3600,
            "clock_drift_minutes": clock_drift.total_seconds() / 60,
        }
        checks.append(Check("exif_time", inside, detail))
    if exif.gps is not None:
        metres = distance_m(exif.gps, store)
        detail = {"distance_m": round(metres, 1), "geofence_m": geofence_m}
        checks.append(Check("exif_location", metres <= geofence_m, detail))
    if exif.software is not None:
        hint = next((h for h in _SCREEN_HINTS if h in exif.software.lower()), None)
        checks.append(Check("software", hint is None, {"software": exif.software, "hint": hint}))
    return checks
