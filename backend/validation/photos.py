"""Pure photo checks: what a shelf photo's own bytes say about it. No session, no storage.

Every check yields evidence in numbers. A failed hard check means no usable photo (the
submission is rejected); a failed soft check is a doubt for a human (it goes to review).
The image is decoded once, in JPEG draft mode (DCT scaling to about 1/8, greyscale): every
pixel check here needs no more, at a fraction of a full decode's time and memory.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

JPEG_MAGIC = b"\xff\xd8\xff"
DRAFT_SCALE = 8


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
class PhotoReport:
    checks: list[Check]
    reduced: Image.Image | None  # the draft-decoded greyscale image, for perceptual hashing


def inspect_photo(data: bytes, limits: PhotoLimits) -> PhotoReport:
    """Open, bound, decode once reduced, and measure one photo."""
    opened = _open_jpeg(data, limits)
    if isinstance(opened, Check):
        return PhotoReport([opened], None)
    image, checks = opened, [Check("format", True, {"format": "JPEG"}, hard=True)]
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
        return PhotoReport(checks, None)
    checks.append(Check("decodes", True, {"reduced_to": list(reduced.size)}, hard=True))
    pixels = np.asarray(reduced, dtype=np.float32)
    checks.append(_sharpness(pixels, limits))
    checks.append(_exposure(pixels, limits))
    return PhotoReport(checks, reduced)


def _open_jpeg(data: bytes, limits: PhotoLimits) -> Image.Image | Check:
    """The image, header read only, or the hard check that refuses it."""
    if not data.startswith(JPEG_MAGIC):
        return Check("format", False, {"first_bytes": data[:8].hex()}, hard=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["JPEG"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return Check("pixels", False, {"error": str(exc)[:200]}, hard=True)
    except (OSError, ValueError, SyntaxError) as exc:
        return Check("format", False, {"error": str(exc)[:200]}, hard=True)
    width, height = image.size
    if width * height > limits.max_pixels:
        detail = {"width": width, "height": height, "maximum_pixels": limits.max_pixels}
        return Check("pixels", False, detail, hard=True)
    return image


def _sharpness(pixels: np.ndarray, limits: PhotoLimits) -> Check:
    if min(pixels.shape) < 3:
        return Check("sharpness", False, {"error": "too small to measure"})
    laplacian = (
        pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:]
    ) - 4 * pixels[1:-1, 1:-1]
    variance = float(laplacian.var())
    detail = {"laplacian_variance": round(variance, 1), "minimum": limits.min_sharpness}
    return Check("sharpness", variance >= limits.min_sharpness, detail)


def _exposure(pixels: np.ndarray, limits: PhotoLimits) -> Check:
    mean = float(pixels.mean())
    clipped = float(((pixels <= 4) | (pixels >= 251)).mean())
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
