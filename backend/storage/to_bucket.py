"""Copying a local photo folder into a bucket (`fairfield photos copy-to-s3`), resumable.

Photos keep their content-addressed names and derived copies theirs. An object already in the
bucket with the file's sha256 is left alone, so a copy cut midway is run again from the top
and sends only what is missing. Each file is hashed on disk and S3 checks the bytes it
receives against that sha256; a photo whose bytes no longer hash to its name is not copied but
reported. Partial uploads and temporary files are not copied: finish or expire them first.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import ClientError

from backend.storage.base import CHUNK, DIGEST, KIND
from backend.storage.local import LocalPhotoStore
from backend.storage.s3 import JPEG, S3PhotoStore, missing


@dataclass
class CopyReport:
    copied: int = 0
    present: int = 0  # already in the bucket with the right checksum
    damaged: list[str] = field(default_factory=list)  # photos not hashing to their name


def files_to_copy(source: LocalPhotoStore) -> Iterator[tuple[Path, str]]:
    """(file, key) of every photo and derived copy in the folder, photos first."""
    root = source.root
    for path in sorted(root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        if DIGEST.match(path.name) and path == source.path(path.name):
            yield path, path.relative_to(root).as_posix()
    for path in sorted(root.glob("derived/*/[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        kind = path.relative_to(root).parts[1]
        named = KIND.match(kind) and DIGEST.match(path.name)
        if named and path == source.derived_path(path.name, kind):
            yield path, path.relative_to(root).as_posix()


def copy_to_bucket(
    source: LocalPhotoStore, target: S3PhotoStore, *, step: Callable[[], None] = lambda: None
) -> CopyReport:
    """Copy every photo and derived copy not yet in the bucket; `step` after each file."""
    report = CopyReport()
    for path, key in files_to_copy(source):
        digest = _sha256(path)
        is_photo = not key.startswith("derived/")
        if is_photo and digest != path.name:
            report.damaged.append(key)
        elif _present(target, key, digest):
            report.present += 1
        else:
            with path.open("rb") as body:  # streamed from the file by one PUT, S3 checking it
                target.client.put_object(
                    Bucket=target.bucket,
                    Key=key,
                    Body=body,
                    ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(),
                    ContentType=JPEG,
                    Metadata={"sha256": digest},
                )
            report.copied += 1
        step()
    return report


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while data := stream.read(CHUNK):
            digest.update(data)
    return digest.hexdigest()


def _present(target: S3PhotoStore, key: str, digest: str) -> bool:
    """Whether the bucket holds `key` with these bytes: the sha256 it was written with says
    so (metadata `sha256`, or S3's own checksum), or, for a photo the app stored in parts,
    its name, which the app gives only once it checked the bytes."""
    try:
        head = target.client.head_object(Bucket=target.bucket, Key=key, ChecksumMode="ENABLED")
    except ClientError as error:
        if missing(error):
            return False
        raise
    if said := head.get("Metadata", {}).get("sha256"):
        return bool(said == digest)
    stored = head.get("ChecksumSHA256", "")
    if stored and "-" not in stored:  # "…-3": a checksum of parts, not of the object
        return bool(base64.b64decode(stored).hex() == digest)
    return not key.startswith("derived/") and key.endswith(digest)
