"""The hostile corpus: files and payloads that lie, built by the tests themselves."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

from tests.support.photos import jpeg, shelf, with_dimensions


def png_bomb(side: int = 30_000) -> bytes:
    """A valid PNG of side x side (900 MP at 30,000) one-bit pixels, a few hundred KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    row = b"\x00" + bytes((side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def tiff() -> bytes:
    out = io.BytesIO()
    shelf(400, 300).save(out, "TIFF")
    return out.getvalue()


def malformed_exif() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:11:23 10:00:00"
    data = jpeg(shelf(seed=31), exif=exif)
    at = data.index(b"Exif\x00\x00")
    # The TIFF header's first IFD offset points far past the segment's end.
    return data[: at + 6] + b"MM\x00\x2a\xff\xff\xff\xff" + data[at + 14 :]


def truncated() -> bytes:
    data = jpeg(shelf(seed=32))
    return data[: len(data) // 2]


# Files that are refused at the door: each a 4xx naming the photo part.
REFUSED_FILES = {
    "zero-byte file": (lambda: b"", 422),
    "text named .jpg": (lambda: b"<html><body>not a photo</body></html>", 422),
    "PNG decompression bomb (900 MP)": (png_bomb, 422),
    "TIFF sent as JPEG": (tiff, 422),
    "30 MB of random bytes": (lambda: np.random.default_rng(4).bytes(30 * 1024 * 1024), 413),
}

# Files that get in and must end in a non-approved submission with a failing check.
ACCEPTED_FILES = {
    "truncated JPEG": (truncated, "decodes"),
    "JPEG header claiming 65000x65000": (
        lambda: with_dimensions(jpeg(shelf(320, 240, seed=33)), 65_000, 65_000),
        "pixels",
    ),
    "malformed EXIF": (malformed_exif, "exif_readable"),
    "JPEG with HTML appended": (
        lambda: jpeg(shelf(seed=34)) + b"<html><script>alert(document.cookie)</script></html>",
        "trailing_data",
    ),
}
