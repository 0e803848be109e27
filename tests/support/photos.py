"""Photos the tests make: phone-like shelves, and the ways a file can lie about being one."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image, ImageFilter


def shelf(width: int = 1600, height: int = 1200, seed: int = 3) -> Image.Image:
    """A phone-like shelf photo: rows of coloured packs with texture and edges."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(60, 200, (height, width, 3), dtype=np.uint8)
    for top in range(0, height, 150):
        for left in range(0, width, 90):
            colour = rng.integers(30, 230, 3, dtype=np.uint8)
            pixels[top + 10 : top + 140, left + 5 : left + 85] = colour
    return Image.fromarray(pixels)


def jpeg(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def blurred(seed: int = 3) -> bytes:
    return jpeg(shelf(seed=seed).filter(ImageFilter.GaussianBlur(12)))


def dark(seed: int = 3) -> bytes:
    return jpeg(shelf(seed=seed).point(lambda value: value // 8))


def with_dimensions(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG whose frame header claims another size."""
    at = data.index(b"\xff\xc0")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def with_gps(latitude: float, longitude: float, seed: int = 3) -> bytes:
    """A shelf photo whose EXIF says where it was taken."""
    exif = Image.Exif()
    exif.get_ifd(0x8825).update(
        {
            1: "N" if latitude >= 0 else "S",
            2: _dms(latitude),
            3: "E" if longitude >= 0 else "W",
            4: _dms(longitude),
        }
    )
    return jpeg(shelf(seed=seed), exif=exif)


def with_exif_time(taken: str, offset: str = "+00:00", seed: int = 3) -> bytes:
    """A shelf photo whose EXIF says when it was taken (`YYYY:MM:DD HH:MM:SS`, with offset)."""
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[36867] = taken  # DateTimeOriginal
    ifd[36881] = offset  # OffsetTimeOriginal
    return jpeg(shelf(seed=seed), exif=exif)
