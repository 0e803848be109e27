"""Resumable (tus) uploads kept in the bucket, so that a chunk may land on any API node.

Each chunk received is an object of its own, `partials/<upload id>/<offset, 15 digits>`,
written only if no object has that name yet (a conditional PUT, `If-None-Match: *`). The
bucket is the lock every node sees: of two requests appending at one offset, on one node or
two, exactly one write succeeds and the other learns the new offset (tus 409), so the pieces
always follow each other without a gap or an overlap. S3 parts must be at least 5 MiB, a
phone's chunks are often smaller: the pieces are joined only at completion, streamed through
`put` (multipart past one part), hashed and checked against the declared sha256.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from typing import Any, BinaryIO, Protocol

from botocore.exceptions import ClientError

from backend.storage.base import CHUNK, UPLOAD_ID, Chunk, OffsetMismatch, Stored
from backend.storage.s3_upload import Part

PARTIALS = "partials/"
_MISSING = {"404", "NoSuchKey", "NotFound"}


class _Put(Protocol):
    def __call__(
        self, stream: BinaryIO, *, max_bytes: int, sha256: str | None = None
    ) -> Stored: ...


def refused(error: ClientError) -> bool:
    """A conditional write refused because the object exists already."""
    details = error.response.get("Error", {})
    return str(details.get("Code")) in {"PreconditionFailed", "412", "ConditionalRequestConflict"}


class _Pieces:
    """The pieces' bodies read one after another as one stream."""

    def __init__(self, client: Any, bucket: str, keys: list[str]) -> None:
        self.client, self.bucket, self.keys = client, bucket, iter(keys)
        self.body: Any = None

    def read(self, size: int = CHUNK) -> bytes:
        while True:
            if self.body is None:
                key = next(self.keys, None)
                if key is None:
                    return b""
                try:
                    answer = self.client.get_object(Bucket=self.bucket, Key=key)
                except ClientError as error:
                    if str(error.response.get("Error", {}).get("Code")) in _MISSING:
                        raise OffsetMismatch(0) from None  # finished and discarded meanwhile
                    raise
                self.body = answer["Body"]
            if data := self.body.read(size):
                return data
            self.body.close()
            self.body = None


class BucketPartials:
    """The partial uploads of an S3PhotoStore; `put` stores a whole photo."""

    def __init__(self, client: Any, bucket: str, put: _Put) -> None:
        self.client, self.bucket, self.put = client, bucket, put

    def partial_prefix(self, upload_id: str) -> str:
        if not UPLOAD_ID.match(upload_id):
            raise ValueError("not an upload id")
        return f"{PARTIALS}{upload_id}/"

    def _pieces(self, upload_id: str) -> tuple[list[str], int]:
        """The keys of the pieces that follow each other from byte 0, and where they end."""
        prefix = self.partial_prefix(upload_id)
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        keys, end = [], 0
        for page in pages:  # listed in key order, which the zero-padded offsets make byte order
            for found in page.get("Contents", []):
                offset = found["Key"].removeprefix(prefix)
                if offset.isdigit() and int(offset) == end:
                    keys.append(found["Key"])
                    end += int(found["Size"])
        return keys, end

    def partial_size(self, upload_id: str, *, wait_s: float = 0.0) -> int:
        """How many bytes of the upload are kept. A chunk still arriving on some node is not
        counted until it is whole (`wait_s` unused: its write is atomic, and a phone that
        resends from an earlier offset meanwhile gets 409 with the right one)."""
        return self._pieces(upload_id)[1]

    def append_partial(
        self, upload_id: str, *, offset: int, chunk: Chunk, limit: int, wait_s: float
    ) -> int:
        """Keep a chunk that starts at `offset` as one piece, every byte that arrived unless
        the chunk refuses itself, never past `limit`. Returns the new size. OffsetMismatch if
        the upload is elsewhere, or another request (on any node) wrote this offset first."""
        size = self.partial_size(upload_id)
        if offset != size:
            raise OffsetMismatch(size)
        end, piece = size, Part()  # held in memory up to SPOOL_BYTES, then on disk
        with contextlib.closing(piece):
            try:
                while end < limit and (data := chunk.read(min(CHUNK, limit - end))):
                    piece.write(data)
                    end += len(data)
            finally:
                # A connection cut mid-chunk keeps what came before the cut.
                if end > size and chunk.accept():
                    self._write_piece(upload_id, size, piece)
                else:
                    end = size
        if end > size and (now := self.partial_size(upload_id)) < end:
            # The pieces before this one went while it arrived (the upload was finished or
            # discarded meanwhile): it follows nothing, and would lie in the bucket forever.
            key = f"{self.partial_prefix(upload_id)}{size:015d}"
            self.client.delete_object(Bucket=self.bucket, Key=key)
            raise OffsetMismatch(now)
        return end

    def _write_piece(self, upload_id: str, offset: int, piece: Part) -> None:
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=f"{self.partial_prefix(upload_id)}{offset:015d}",
                Body=piece.body(),
                ChecksumSHA256=base64.b64encode(piece.sha256.digest()).decode(),
                IfNoneMatch="*",
            )
        except ClientError as error:
            if refused(error):
                raise OffsetMismatch(self.partial_size(upload_id)) from None
            raise

    def put_partial(self, upload_id: str, *, max_bytes: int, sha256: str) -> Stored:
        """Store a finished upload's pieces, joined, under their sha256, which must be
        `sha256`; the pieces stay until `discard_partial`, so a crash between loses nothing.
        OffsetMismatch if they went meanwhile (another node finished the upload)."""
        keys, _ = self._pieces(upload_id)
        if not keys:  # finished and discarded meanwhile (no photo is empty)
            raise OffsetMismatch(0)
        joined = _Pieces(self.client, self.bucket, keys)
        return self.put(joined, max_bytes=max_bytes, sha256=sha256)  # type: ignore[arg-type]

    def discard_partial(self, upload_id: str) -> None:
        """Delete every piece of the upload, every version of each when the bucket keeps
        versions: they are a worker's photo bytes (none: nothing to do)."""
        for objects in _versions(self.client, self.bucket, self.partial_prefix(upload_id)):
            self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )


def _versions(client: Any, bucket: str, prefix: str) -> Iterator[list[dict[str, str]]]:
    """Every object under `prefix`, each version of it on a versioned bucket, by the page."""
    pages = client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:  # at most 1,000 a page, as many as one delete_objects takes
        found = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        objects = [
            {"Key": f["Key"], "VersionId": f["VersionId"]}
            if f.get("VersionId") not in (None, "null")
            else {"Key": f["Key"]}
            for f in found
        ]
        if objects:
            yield objects
