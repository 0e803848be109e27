"""The JPEG bytes a submission accepts: the magic read before storing, opening within a pixel
limit, and the copy a brand is served. Validation measures photos with the same opening."""

from __future__ import annotations

import io
import re
import warnings
from typing import Any

from PIL import Image, ImageOps

JPEG_MAGIC = b"\xff\xd8\xff"


class Refused(Exception):
    """The bytes are not a JPEG that opens within the pixel limit; `check` names why
    (`format` or `pixels`) and `detail` gives the evidence."""

    def __init__(self, check: str, detail: dict[str, Any]) -> None:
        super().__init__(check)
        self.check = check
        self.detail = detail


def open_jpeg(data: bytes, *, max_pixels: int) -> Image.Image:
    """The image, header read only; raises Refused for anything else or anything bigger."""
    if not data.startswith(JPEG_MAGIC):
        raise Refused("format", {"first_bytes": data[:8].hex()})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Pillow glances at EXIF while opening and only warns when it is corrupt;
            # validation's read_exif reads it again and reports it unreadable.
            warnings.filterwarnings("ignore", "Corrupt EXIF", UserWarning)
            image = Image.open(io.BytesIO(data), formats=["JPEG"])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refused from the header alone; its message carries the pixel count.
        claimed = re.search(r"\((\d+) pixels\)", str(exc))
        detail = {
            "pixels": int(claimed.group(1)) if claimed else None,
            "maximum_pixels": max_pixels,
        }
        raise Refused("pixels", detail) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise Refused("format", {"error": str(exc)[:200]}) from exc
    width, height = image.size
    if width * height > max_pixels:
        raise Refused("pixels", {"width": width, "height": height, "maximum_pixels": max_pixels})
    return image


def brand_copy(data: bytes, *, max_pixels: int) -> bytes | None:
    """The photo re-encoded upright, without EXIF (GPS, maker notes), XMP or comments.

    None when the bytes are not a JPEG that decodes within the pixel limit.
    """
    return _clean_copy(data, max_pixels=max_pixels, long_side=None, quality=90)


def smaller_copy(data: bytes, *, max_pixels: int, long_side: int, quality: int) -> bytes | None:
    """A copy as `brand_copy` makes it, scaled down to `long_side` pixels on its long side
    (never up): the review size and the thumbnail. None as for `brand_copy`."""
    return _clean_copy(data, max_pixels=max_pixels, long_side=long_side, quality=quality)


def _clean_copy(
    data: bytes, *, max_pixels: int, long_side: int | None, quality: int
) -> bytes | None:
    try:
        opened = open_jpeg(data, max_pixels=max_pixels)
    except Refused:
        return None
    try:
        if long_side is not None:
            # The decoder scales by 1/2, 1/4 or 1/8 while reading, never below the size asked:
            # a thumbnail of a 12-megapixel photo decodes a fraction of its pixels.
            opened.draft("RGB", (long_side, long_side))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # corrupt EXIF only costs the orientation
            upright = ImageOps.exif_transpose(opened)
        if long_side is not None:
            upright.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
        icc = opened.info.get("icc_profile")
        upright.info = {}  # Pillow would carry XMP and comments over from the original
        out = io.BytesIO()
        options: dict[str, Any] = {"quality": quality}
        if icc:
            options["icc_profile"] = icc
        upright.save(out, "JPEG", **options)
    except (OSError, ValueError, SyntaxError):
        return None
    return out.getvalue()
