"""Photo storage: content-addressed, streamed, bounded. A local folder now; S3 can follow.

Names are made by the server from the content (sha256), never from what a client sent,
so a filename cannot traverse paths and the same bytes are stored once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK = 64 * 1024
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,30}$")


class TooLarge(Exception):
    """The stream went past the byte limit; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


class PhotoStore(Protocol):
    def put(self, stream: BinaryIO, *, max_bytes: int) -> Stored: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def put_derived(self, sha256: str, kind: str, data: bytes) -> None: ...

    def open_derived(self, sha256: str, kind: str) -> BinaryIO: ...

    def sweep_temporary(self, *, older_than_s: float) -> int: ...

    def delete(self, sha256: str) -> int: ...


class LocalPhotoStore:
    """Files under root/ab/cd/<sha256>, written to a temporary file and renamed into place."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not _DIGEST.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, *, max_bytes: int) -> Stored:
        """Stream into storage while hashing; past max_bytes, stop and keep nothing."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            stored = Stored(digest.hexdigest(), size)
            final = self.path(stored.sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            # Same content, same name: a second upload replaces the file with identical bytes.
            os.replace(temporary, final)
            return stored
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def derived_path(self, sha256: str, kind: str) -> Path:
        """Where a copy made from a stored photo lives, named by the original and its kind."""
        if not _KIND.match(kind):
            raise ValueError("not a derived kind")
        original = self.path(sha256)
        return self.root / "derived" / kind / original.relative_to(self.root)

    def put_derived(self, sha256: str, kind: str, data: bytes) -> None:
        """Keep a copy made from a stored photo; made again, it replaces itself whole."""
        final = self.derived_path(sha256, kind)
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, final)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    def open_derived(self, sha256: str, kind: str) -> BinaryIO:
        """The derived copy; FileNotFoundError until it has been made."""
        return self.derived_path(sha256, kind).open("rb")

    def delete(self, sha256: str) -> int:
        """Delete a stored photo and every copy derived from it; returns how many files."""
        paths = [self.path(sha256)]
        derived = self.root / "derived"
        kinds = [k.name for k in derived.iterdir()] if derived.is_dir() else []
        paths += [self.derived_path(sha256, kind) for kind in kinds if _KIND.match(kind)]
        removed = 0
        for path in paths:
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:  # never made, or already gone: nothing to do
                continue
        return removed

    def sweep_temporary(self, *, older_than_s: float) -> int:
        """Delete upload files a killed process left half-written; returns how many."""
        if not self.root.is_dir():
            return 0
        cutoff, removed = time.time() - older_than_s, 0
        for leftover in self.root.glob(".upload-*"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
            except FileNotFoundError:  # another sweeper, or the upload just finished
                continue
        return removed


def photo_store() -> PhotoStore:
    """The app's photo store (a local folder: FAIRFIELD_PHOTO_DIR)."""
    from flask import current_app

    return LocalPhotoStore(current_app.config["PHOTO_DIR"])
