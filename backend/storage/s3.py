"""Photo storage in an S3-compatible bucket (FAIRFIELD_PHOTO_STORE=s3), keyed as the local store.

Keys: `ab/cd/<sha256>` for photos, `derived/<kind>/ab/cd/<sha256>` for copies made from them,
`.upload-<unix time>-<uuid>` for an upload in progress, `partials/<upload id>/<offset>` for
the chunks of a resumable upload (s3_partials.py), `.sweep-<sha256>` while the orphan sweep
deletes that photo. A photo is read in parts of at most PART_BYTES, each on disk past
SPOOL_BYTES (s3_upload.py): one part goes up in one request under its final key; a longer
photo goes up as a multipart upload under a temporary key, then is copied to its final key
once its sha256 is known. Reading an object spools it the same way.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from botocore.exceptions import ClientError

from backend.storage.base import (
    CHUNK,
    DIGEST,
    KIND,
    Chunk,
    DigestMismatch,
    Hashed,
    Stored,
)
from backend.storage.s3_partials import BucketPartials
from backend.storage.s3_partials import refused as _refused
from backend.storage.s3_upload import PART_BYTES, SPOOL_BYTES, Multipart, Part

TEMPORARY = ".upload-"
SWEEP = ".sweep-"
JPEG = "image/jpeg"  # every photo is one, and the bucket serves it so (presigned GETs)
# An orphan sweep issues no delete later than SWEEP_WAIT_S / 2 after marking a name, each
# one attempt of at most SWEEP_CONNECT_S + SWEEP_READ_S; a `put` of that name waits while the
# marker is there, unless it is older than SWEEP_HOLD_S (a killed sweep's): so no sweep's
# delete can land after the `put` returned (tests/storage/test_s3_races.py checks the sums).
SWEEP_WAIT_S = 30.0
SWEEP_CONNECT_S, SWEEP_READ_S = 2.0, 5.0
SWEEP_HOLD_S = 60.0
READY_TIMEOUT_S = 2.0  # /readyz: a hung bucket answers "not ready", not a worker tied up
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _marker(key: str) -> str:
    """The name an orphan sweep holds while it deletes the photo at `key`."""
    return f"{SWEEP}{key.rsplit('/', 1)[-1]}"


def missing(error: ClientError) -> bool:
    return str(error.response.get("Error", {}).get("Code")) in _MISSING


def _checksum(data: bytes | bytearray) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _started(upload: dict[str, Any]) -> float:
    """When a multipart upload began: the time in its key (moto reports a fixed Initiated)."""
    stamp = upload["Key"].removeprefix(TEMPORARY).split("-", 1)[0]
    return float(stamp) if stamp.isdigit() else float(upload["Initiated"].timestamp())


def _before(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TimeoutError


def _client(endpoint_url: str | None, *, connect: float, read: float, attempts: int) -> Any:
    import boto3
    from botocore.config import Config

    # Signature V4 everywhere: presigned URLs that say how long they live (X-Amz-Expires,
    # at most 7 days), as AWS and MinIO require.
    config = Config(
        signature_version="s3v4",
        connect_timeout=connect,
        read_timeout=read,
        retries={"mode": "standard", "total_max_attempts": attempts},  # with the first
    )
    return boto3.client("s3", endpoint_url=endpoint_url or None, config=config)


class S3PhotoStore:
    """Photos in a bucket; `client` is a boto3 S3 client (credentials from the AWS_* variables)."""

    def __init__(self, bucket: str, *, client: Any = None, endpoint_url: str | None = None) -> None:
        if client is None:
            client = _client(endpoint_url, connect=5, read=60, attempts=3)
            # One attempt each, and short: the sweep's deletes end before a waiting `put`
            # stops waiting (SWEEP_HOLD_S); /readyz answers within seconds.
            sweeper = _client(endpoint_url, connect=SWEEP_CONNECT_S, read=SWEEP_READ_S, attempts=1)
            ready = _client(endpoint_url, connect=READY_TIMEOUT_S, read=READY_TIMEOUT_S, attempts=1)
        else:
            sweeper = ready = client
        self.bucket = bucket
        self.client, self.sweeper, self.ready = client, sweeper, ready
        self.partials = BucketPartials(client, bucket, self.put)

    def check_ready(self) -> None:
        """Raise unless the bucket answers (and these credentials may use it)."""
        self.ready.head_bucket(Bucket=self.bucket)

    def key(self, sha256: str) -> str:
        if not DIGEST.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def derived_key(self, sha256: str, kind: str) -> str:
        """Where a copy made from a stored photo lives, named by the original and its kind."""
        if not KIND.match(kind):
            raise ValueError("not a derived kind")
        return f"derived/{kind}/{self.key(sha256)}"

    def put(self, stream: BinaryIO, *, max_bytes: int, sha256: str | None = None) -> Stored:
        """Stream into the bucket while hashing, one part at a time (on disk past
        SPOOL_BYTES); past max_bytes, or not hashing to `sha256` when given, keep nothing."""
        temporary = f"{TEMPORARY}{int(time.time())}-{uuid.uuid4()}"
        upload = Multipart(self.client, self.bucket, temporary, JPEG)
        try:
            stored, last = self._read(stream, max_bytes, upload)
            with contextlib.closing(last):
                if sha256 is not None and stored.sha256 != sha256:
                    raise DigestMismatch(stored.sha256)
                final = self.key(stored.sha256)
                if upload.id is None:  # one part: straight to its name
                    self._write_past_sweep(final, lambda: self._put_whole(final, last, stored))
                    return stored
                if last.size:
                    upload.send(last)
                version = upload.complete()
        finally:
            upload.abort()
        source = {"Bucket": self.bucket, "Key": temporary}
        self._write_past_sweep(
            final, lambda: self.client.copy_object(Bucket=self.bucket, Key=final, CopySource=source)
        )
        # By its version on a versioned bucket: a plain delete would only hide the whole
        # photo behind a delete marker, under a name erasure never looks at.
        extra = {"VersionId": version} if version not in (None, "null") else {}
        self.client.delete_object(Bucket=self.bucket, Key=temporary, **extra)
        return stored

    def _read(self, stream: BinaryIO, max_bytes: int, upload: Multipart) -> tuple[Stored, Part]:
        """Read the stream whole, sending each part as it fills; the digest and size of it
        all, and the last part, not sent."""
        reading, part = Hashed(stream, max_bytes), Part()
        try:
            for chunk in reading:
                part.write(chunk)
                if part.size >= PART_BYTES:
                    upload.send(part)
                    part.close()
                    part = Part()
        except BaseException:
            part.close()
            raise
        return reading.stored(), part

    def _put_whole(self, key: str, part: Part, stored: Stored) -> None:
        # S3 checks the bytes it received against the sha256 computed while reading them.
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=part.body(),
            ChecksumSHA256=base64.b64encode(part.sha256.digest()).decode(),
            ContentType=JPEG,
            Metadata={"sha256": stored.sha256},
        )

    def _write_past_sweep(self, key: str, write: Callable[[], object]) -> None:
        """Write a photo so that an orphan sweep deleting the same name meanwhile cannot
        take it: after writing, wait until no sweep holds the name (its every delete has
        ended then), then write again if the name is gone. (A sweep that marks the name
        after this looks finds the photo new.)"""
        write()
        deadline = time.monotonic() + SWEEP_HOLD_S  # whatever the clocks say
        while True:
            if self._sweeping(key) and time.monotonic() < deadline:
                time.sleep(0.05)
                continue
            if not self._exists(key):
                write()
                continue
            return

    def _sweeping(self, key: str) -> bool:
        """Whether an orphan sweep holds this photo's name (a marker younger than
        SWEEP_HOLD_S: an older one is a killed sweep's, which sweep_temporary removes)."""
        try:
            marker = self.client.head_object(Bucket=self.bucket, Key=_marker(key))
        except ClientError as error:
            if missing(error):
                return False
            raise
        return bool(time.time() - marker["LastModified"].timestamp() < SWEEP_HOLD_S)

    def _get(self, key: str) -> BinaryIO:
        """The object's bytes as a seekable file, held in memory up to SPOOL_BYTES."""
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as error:
            if missing(error):
                raise FileNotFoundError(key) from None
            raise
        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        with body:
            while data := body.read(CHUNK):
                copy.write(data)
        copy.seek(0)
        return copy  # type: ignore[return-value]

    def open(self, sha256: str) -> BinaryIO:
        return self._get(self.key(sha256))

    def put_derived(self, sha256: str, kind: str, data: bytes) -> None:
        """Keep a copy made from a stored photo; made again, it replaces itself whole."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.derived_key(sha256, kind),
            Body=data,
            ChecksumSHA256=_checksum(data),
            ContentType=JPEG,
            # What S3 checked the bytes against, kept: `photos copy-to-s3` compares it.
            Metadata={"sha256": hashlib.sha256(data).hexdigest()},
        )

    def open_derived(self, sha256: str, kind: str) -> BinaryIO:
        """The derived copy; FileNotFoundError until it has been made."""
        return self._get(self.derived_key(sha256, kind))

    def download_url(
        self, sha256: str, kind: str | None, *, expires_s: int, filename: str
    ) -> str | None:
        """A presigned GET of the photo (`kind` None) or of its copy of `kind`, valid for
        `expires_s` seconds; FileNotFoundError when there is no such object."""
        key = self.key(sha256) if kind is None else self.derived_key(sha256, kind)
        if not self._exists(key):
            raise FileNotFoundError(key)
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": "image/jpeg",
                "ResponseContentDisposition": f'inline; filename="{filename}"',
                "ResponseCacheControl": f"private, max-age={expires_s}",
            },
            ExpiresIn=expires_s,
        )
        return url

    def _exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if missing(error):
                return False
            raise
        return True

    def _kinds(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix="derived/", Delimiter="/"
        )
        found = [
            p["Prefix"].split("/")[1] for page in pages for p in page.get("CommonPrefixes", [])
        ]
        return [kind for kind in found if KIND.match(kind)]

    def delete(self, sha256: str) -> int:
        """Delete a stored photo and every copy derived from it, every version of each when
        the bucket keeps versions (an erased photo must not stay behind a delete marker);
        returns how many objects were current."""
        return self._purge(sha256, self.client, deadline=None)

    def _purge(self, sha256: str, client: Any, *, deadline: float | None) -> int:
        """Delete the photo and its derived copies, every version of each; how many were
        current. Past `deadline` (a time.monotonic()) issue no further delete: TimeoutError."""
        removed = 0
        for key in [self.key(sha256), *(self.derived_key(sha256, k) for k in self._kinds())]:
            if self._exists(key):
                _before(deadline)
                client.delete_object(Bucket=self.bucket, Key=key)
                removed += 1
            self._delete_versions(key, client, deadline)
        return removed

    def _delete_versions(self, key: str, client: Any, deadline: float | None) -> None:
        """Delete the noncurrent versions and delete markers of `key` (none unversioned)."""
        pages = self.client.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=key
        )
        for page in pages:
            for found in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if found["Key"] == key and found.get("VersionId") not in (None, "null"):
                    _before(deadline)
                    client.delete_object(Bucket=self.bucket, Key=key, VersionId=found["VersionId"])

    def stored_before(self, cutoff: float) -> Iterator[str]:
        """Digests of the stored photos last written before `cutoff` (a time.time())."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        for page in pages:
            for found in page.get("Contents", []):
                name = found["Key"].rsplit("/", 1)[-1]
                if not (DIGEST.match(name) and found["Key"] == self.key(name)):
                    continue  # derived copies, partials and uploads in progress
                if found["LastModified"].timestamp() < cutoff:
                    yield name

    def delete_unless_rewritten(self, sha256: str, *, cutoff: float) -> bool:
        """Delete a stored photo and its derived copies, unless it was written at or after
        `cutoff`: a request storing the same bytes right now must keep its object. True if
        deleted.

        S3 has no rename to move the object aside as the local store does. Instead the sweep
        first marks the name (`.sweep-<key>`, written only if absent: one sweep at a time),
        then looks at the object's age, deletes, and unmarks. A request's `put` writes, then
        waits while the name is marked and writes again if the object is gone
        (`_write_past_sweep`): whatever the order of the two, a rewrite survives.
        """
        key = self.key(sha256)
        deadline = time.monotonic() + SWEEP_WAIT_S / 2
        try:
            marked = self.client.put_object(
                Bucket=self.bucket, Key=_marker(key), Body=b"", IfNoneMatch="*"
            )
        except ClientError as error:
            if _refused(error):
                return False  # another sweep is at it
            raise
        try:
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as error:
                if missing(error):
                    return False
                raise
            if head["LastModified"].timestamp() >= cutoff:
                return False
            # Every version: an orphan's bytes must not stay on a versioned bucket where
            # nothing would find them again. Through the sweeper's client (one short attempt
            # each), and none issued too late for a waiting `put` (SWEEP_HOLD_S).
            try:
                self._purge(sha256, self.sweeper, deadline=deadline)
            except TimeoutError:
                return False  # the next sweep finishes it
            return True
        finally:  # by its version: a versioned bucket keeps no trace of the marker either
            version = marked.get("VersionId")
            extra = {"VersionId": version} if version not in (None, "null") else {}
            self.client.delete_object(Bucket=self.bucket, Key=_marker(key), **extra)

    def sweep_temporary(self, *, older_than_s: float) -> int:
        """Abort multipart uploads and delete upload objects (and sweep markers) a killed
        process left behind; returns how many."""
        cutoff, removed = time.time() - older_than_s, 0
        uploads = self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=TEMPORARY
        )
        for page in uploads:
            for upload in page.get("Uploads", []):
                if _started(upload) < cutoff:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    removed += 1
        # Every version and delete marker of an upload object: a photo's bytes.
        versions = self.client.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=TEMPORARY
        )
        for page in versions:
            for found in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                if found["LastModified"].timestamp() < cutoff:
                    version = found.get("VersionId")
                    extra = {"VersionId": version} if version not in (None, "null") else {}
                    self.client.delete_object(Bucket=self.bucket, Key=found["Key"], **extra)
                    removed += 1
        # A killed orphan sweep's marker, too, once no live sweep could still hold it.
        marked = min(cutoff, time.time() - SWEEP_HOLD_S)
        objects = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=SWEEP
        )
        for page in objects:
            for found in page.get("Contents", []):
                if found["LastModified"].timestamp() < marked:
                    self.client.delete_object(Bucket=self.bucket, Key=found["Key"])
                    removed += 1
        return removed

    def partial_size(self, upload_id: str, *, wait_s: float = 0.0) -> int:
        return self.partials.partial_size(upload_id, wait_s=wait_s)

    def append_partial(
        self, upload_id: str, *, offset: int, chunk: Chunk, limit: int, wait_s: float
    ) -> int:
        return self.partials.append_partial(
            upload_id, offset=offset, chunk=chunk, limit=limit, wait_s=wait_s
        )

    def put_partial(self, upload_id: str, *, max_bytes: int, sha256: str) -> Stored:
        return self.partials.put_partial(upload_id, max_bytes=max_bytes, sha256=sha256)

    def discard_partial(self, upload_id: str) -> None:
        self.partials.discard_partial(upload_id)


@functools.lru_cache(maxsize=4)
def bucket_store(bucket: str, endpoint_url: str) -> S3PhotoStore:
    """One store, and so one boto3 client (thread-safe), per bucket for the process."""
    return S3PhotoStore(bucket, endpoint_url=endpoint_url)
