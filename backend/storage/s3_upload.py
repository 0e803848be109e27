"""A photo on its way into the bucket: read into parts kept on disk past SPOOL_BYTES, each
sent with the digest S3 checks it by, so no photo is ever held whole in memory."""

from __future__ import annotations

import base64
import hashlib
import tempfile
from typing import IO, Any

PART_BYTES = 8 * 1024 * 1024  # S3 parts are at least 5 MiB, except the last
SPOOL_BYTES = 1024 * 1024  # in memory up to this, then in a temporary file


class Part:
    """Bytes read for one request to S3, with their MD5 and sha256."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha256 = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.size += len(data)
        self.md5.update(data)
        self.sha256.update(data)

    def body(self) -> IO[bytes]:
        """The bytes from the start, for one request (again, for a retry)."""
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.file.close()


class Multipart:
    """A multipart upload under `key`, begun only when its first part is sent."""

    def __init__(self, client: Any, bucket: str, key: str, content_type: str) -> None:
        self.client, self.bucket, self.key, self.content_type = client, bucket, key, content_type
        self.id: str | None = None
        self.parts: list[dict[str, Any]] = []

    def send(self, part: Part) -> None:
        if self.id is None:
            made = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self.content_type
            )
            self.id = made["UploadId"]
        number = len(self.parts) + 1
        # Content-MD5 makes S3 refuse a part damaged on the way; the whole photo's sha256
        # was computed while reading it (a multipart sha256 would be one of parts).
        sent = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.id,
            PartNumber=number,
            Body=part.body(),
            ContentMD5=base64.b64encode(part.md5.digest()).decode(),
        )
        self.parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def complete(self) -> str | None:
        """Join the parts; the version made, on a versioned bucket."""
        done = self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.id,
            MultipartUpload={"Parts": self.parts},
        )
        self.id = None
        version: str | None = done.get("VersionId")
        return version

    def abort(self) -> None:
        """Drop the parts sent (nothing if none was, or it completed)."""
        if self.id is not None:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self.id)
            self.id = None
