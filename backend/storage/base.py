"""What every photo store shares: the interface, its errors, and how names are checked."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

CHUNK = 64 * 1024
DIGEST = re.compile(r"^[0-9a-f]{64}$")
KIND = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
UPLOAD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class TooLarge(Exception):
    """The stream went past the byte limit; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


class DigestMismatch(Exception):
    """The bytes do not hash to what the sender said they would; nothing was kept."""


class Busy(Exception):
    """Another request is writing to this partial upload right now."""


class OffsetMismatch(Exception):
    """A chunk was sent for an offset other than where the partial upload ends."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"the upload is at byte {offset}")
        self.offset = offset


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


class Hashed:
    """A stream read in chunks, counted against a byte limit and hashed as it goes: iterate
    it for the chunks (TooLarge past the limit), then ask what was stored."""

    def __init__(self, stream: BinaryIO, max_bytes: int) -> None:
        self.stream, self.max_bytes = stream, max_bytes
        self.digest, self.size = hashlib.sha256(), 0

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.stream.read(CHUNK):
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise TooLarge(self.max_bytes)
            self.digest.update(chunk)
            yield chunk

    def stored(self) -> Stored:
        return Stored(self.digest.hexdigest(), self.size)


class Chunk(Protocol):
    """A chunk of a resumable upload as it arrives; it judges itself once read (whether a
    checksum sent with it holds), and a chunk it refuses is not kept."""

    def read(self, size: int) -> bytes: ...

    def accept(self) -> bool: ...


class PhotoStore(Protocol):
    def check_ready(self) -> None:
        """Raise if the store cannot be used now (for /readyz)."""
        ...

    def put(self, stream: BinaryIO, *, max_bytes: int, sha256: str | None = None) -> Stored: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def put_derived(self, sha256: str, kind: str, data: bytes) -> None: ...

    def open_derived(self, sha256: str, kind: str) -> BinaryIO: ...

    def download_url(
        self, sha256: str, kind: str | None, *, expires_s: int, filename: str
    ) -> str | None: ...

    def sweep_temporary(self, *, older_than_s: float) -> int: ...

    def delete(self, sha256: str) -> int: ...

    def partial_size(self, upload_id: str, *, wait_s: float = 0.0) -> int: ...

    def append_partial(
        self, upload_id: str, *, offset: int, chunk: Chunk, limit: int, wait_s: float
    ) -> int: ...

    def put_partial(self, upload_id: str, *, max_bytes: int, sha256: str) -> Stored: ...

    def discard_partial(self, upload_id: str) -> None: ...

    def stored_before(self, cutoff: float) -> Iterator[str]: ...

    def delete_unless_rewritten(self, sha256: str, *, cutoff: float) -> bool: ...
