"""The tus 1.0.0 resumable upload protocol's headers, as pure functions (tus.io/protocols)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from backend.i18n import gettext  # messages said to the client, in its language

TUS_VERSION = "1.0.0"
# creation is not offered: a submission declares its photos, and that makes their uploads.
TUS_EXTENSIONS = "checksum,expiration"
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "md5")
OFFSET_OCTET_STREAM = "application/offset+octet-stream"
_DIGITS = re.compile(r"^[0-9]{1,15}$")
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class HeaderError(ValueError):
    """A tus header is missing or malformed; `header` names it."""

    def __init__(self, header: str, message: str) -> None:
        super().__init__(message)
        self.header = header


def parse_offset(value: str | None, header: str = "Upload-Offset") -> int:
    """A non-negative byte count: digits only, no sign, no spaces (tus says so)."""
    if value is None:
        raise HeaderError(header, gettext("Missing."))
    if not _DIGITS.match(value):
        raise HeaderError(header, gettext("Must be a non-negative integer."))
    return int(value)


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes


def parse_checksum(value: str | None) -> Checksum | None:
    """`Upload-Checksum: <algorithm> <base64 digest>`, or None when the client sent none."""
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise HeaderError(
            "Upload-Checksum",
            gettext(
                "Unsupported algorithm; use one of %(algorithms)s.",
                algorithms=", ".join(CHECKSUM_ALGORITHMS),
            ),
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise HeaderError("Upload-Checksum", gettext("The digest is not base64.")) from None
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise HeaderError(
            "Upload-Checksum", gettext("Not a %(algorithm)s digest.", algorithm=algorithm)
        )
    return Checksum(algorithm, digest)


@dataclass
class ChunkCheck:
    """Judges a chunk as it is read: whole (all `expected` bytes came) and, when the client
    sent a checksum, matching it. A chunk cut short is kept unless it carried a checksum,
    which cannot vouch for part of a chunk."""

    expected: int
    checksum: Checksum | None
    received: int = 0
    hasher: Any = field(default=None)

    def __post_init__(self) -> None:
        if self.checksum is not None:
            self.hasher = hashlib.new(self.checksum.algorithm)

    def saw(self, data: bytes) -> None:
        self.received += len(data)
        if self.hasher is not None:
            self.hasher.update(data)

    @property
    def whole(self) -> bool:
        return self.received == self.expected

    def verified(self) -> bool:
        if self.checksum is None:
            return True
        return self.whole and self.hasher.digest() == self.checksum.digest


def http_date(moment: datetime) -> str:
    """RFC 9110 date, as `Upload-Expires` carries it."""
    return format_datetime(moment, usegmt=True)
