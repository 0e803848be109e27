"""Photos in a local folder (FAIRFIELD_PHOTO_DIR): the embedded default, one machine."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from backend.storage.base import (
    CHUNK,
    DIGEST,
    KIND,
    UPLOAD_ID,
    Busy,
    Chunk,
    DigestMismatch,
    Hashed,
    OffsetMismatch,
    Stored,
)

PARTIAL_DIR = "partial"


class LocalPhotoStore:
    """Files under root/ab/cd/<sha256>, written to a temporary file and renamed into place."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def check_ready(self) -> None:
        """Raise unless a photo can be written in the folder (an OSError says why)."""
        self.root.mkdir(parents=True, exist_ok=True)
        # Named as an upload, so that one left by a killed process is swept with them.
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".upload-ready-"):
            pass

    def path(self, sha256: str) -> Path:
        if not DIGEST.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, stream: BinaryIO, *, max_bytes: int, sha256: str | None = None) -> Stored:
        """Stream into storage while hashing; past max_bytes, or not hashing to `sha256` when
        given, keep nothing."""
        self.root.mkdir(parents=True, exist_ok=True)
        reading = Hashed(stream, max_bytes)
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in reading:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            stored = reading.stored()
            if sha256 is not None and stored.sha256 != sha256:
                raise DigestMismatch(stored.sha256)
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
        if not KIND.match(kind):
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

    def download_url(
        self, sha256: str, kind: str | None, *, expires_s: int, filename: str
    ) -> str | None:
        """None: a local folder has no URL of its own, the API serves the bytes."""
        return None

    def _derived_paths(self, sha256: str) -> list[Path]:
        derived = self.root / "derived"
        kinds = [k.name for k in derived.iterdir()] if derived.is_dir() else []
        return [self.derived_path(sha256, kind) for kind in kinds if KIND.match(kind)]

    def delete(self, sha256: str) -> int:
        """Delete a stored photo and every copy derived from it; returns how many files."""
        paths = [self.path(sha256), *self._derived_paths(sha256)]
        removed = 0
        for path in paths:
            try:
                path.unlink()
                removed += 1
            except FileNotFoundError:  # never made, or already gone: nothing to do
                continue
        return removed

    def partial_path(self, upload_id: str) -> Path:
        """Where the bytes of an unfinished resumable upload are kept, named by its id."""
        if not UPLOAD_ID.match(upload_id):
            raise ValueError("not an upload id")
        return self.root / PARTIAL_DIR / upload_id

    def partial_size(self, upload_id: str, *, wait_s: float = 0.0) -> int:
        """How many bytes of the upload are kept: where the next chunk starts. With `wait_s`,
        a chunk still being written (a cut request not yet over) is waited for that long, so
        a phone asking right after it reconnects learns the final offset, not an early one."""
        try:
            handle = self.partial_path(upload_id).open("rb")
        except FileNotFoundError:
            return 0
        with handle:
            if wait_s > 0:
                with contextlib.suppress(Busy), _locked(handle, wait_s, shared=True):
                    pass  # only waiting for the writer; past wait_s, the size as it stands
            return os.fstat(handle.fileno()).st_size

    def append_partial(
        self, upload_id: str, *, offset: int, chunk: Chunk, limit: int, wait_s: float
    ) -> int:
        """Append a chunk that starts at `offset`, keeping every byte that arrived unless the
        chunk refuses itself; the file never grows past `limit`. Returns the new size.

        A connection cut mid-chunk keeps what came before the cut: that is the point of a
        resumable upload. One writer per upload at a time, across processes (a lock on the
        file); a second gets Busy after `wait_s`, a chunk for another offset OffsetMismatch.
        """
        path = self.partial_path(upload_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Unbuffered: what a write returned as written is in the file, and nothing waits in
        # a buffer to be written after a truncation.
        with open(path, "ab+", buffering=0) as out, _locked(out, wait_s):
            size = os.fstat(out.fileno()).st_size
            if offset != size:
                raise OffsetMismatch(size)
            end = size
            try:
                while end < limit and (data := chunk.read(min(CHUNK, limit - end))):
                    _write_all(out, data)
                    end += len(data)
            except OSError:
                # The disk filled up mid-chunk: none of the chunk is kept, so the upload is
                # where it was and the client sends the chunk again, checksum and all.
                out.truncate(size)
                raise
            finally:
                if not chunk.accept():
                    out.truncate(size)
                    end = size
            try:
                os.fsync(out.fileno())
            except OSError:
                # Some filesystems say they are full only here (btrfs, NFS, thin volumes).
                out.truncate(size)
                raise
            return end

    def put_partial(self, upload_id: str, *, max_bytes: int, sha256: str) -> Stored:
        """Store a finished upload's bytes under their sha256, which must be `sha256`; the
        partial file stays until `discard_partial`, so a crash between the two loses nothing."""
        try:
            stream = self.partial_path(upload_id).open("rb")
        except FileNotFoundError:  # finished and discarded meanwhile (the upload sweep)
            raise OffsetMismatch(0) from None
        with stream:
            return self.put(stream, max_bytes=max_bytes, sha256=sha256)

    def discard_partial(self, upload_id: str) -> None:
        # Finished and discarded already, or never begun: nothing to do.
        with contextlib.suppress(FileNotFoundError):
            self.partial_path(upload_id).unlink()

    def stored_before(self, cutoff: float) -> Iterator[str]:
        """Digests of the stored photos last written before `cutoff` (a time.time())."""
        for first in sorted(self.root.glob("[0-9a-f][0-9a-f]")):
            for path in sorted(first.glob("[0-9a-f][0-9a-f]/*")):
                try:
                    old = path.stat().st_mtime < cutoff
                except FileNotFoundError:  # deleted meanwhile
                    continue
                if old and DIGEST.match(path.name):
                    yield path.name

    def delete_unless_rewritten(self, sha256: str, *, cutoff: float) -> bool:
        """Delete a stored photo and its derived copies, unless it was written at or after
        `cutoff`: a request storing the same bytes right now must keep its file. True if
        deleted.

        `put` always renames a new file into place, so the file moved aside is either the
        old one (deleted) or the request's new one, which goes back: same name, same bytes.
        """
        path = self.path(sha256)
        aside = path.with_name(f".sweep-{sha256}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        if aside.stat().st_mtime >= cutoff:
            os.replace(aside, path)
            return False
        aside.unlink()
        # Copies made from it go too; a request's new file at `path`, if any, stays.
        for copy in self._derived_paths(sha256):
            with contextlib.suppress(FileNotFoundError):
                copy.unlink()
        return True

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


def _write_all(out: io.FileIO, data: bytes) -> None:
    """Write all of `data` to an unbuffered file (a write may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[out.write(view) :]


@contextmanager
def _locked(handle: BinaryIO, wait_s: float, *, shared: bool = False) -> Iterator[None]:
    """A lock on an open file (exclusive unless `shared`), waited for up to `wait_s` seconds."""
    deadline = time.monotonic() + wait_s
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    while True:
        try:
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy() from None
            time.sleep(0.05)
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
