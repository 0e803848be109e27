"""Where an uploaded store CSV waits for its import task: `<var dir>/imports/<import id>.csv`.

The file is named by the server (the import's id), never by the client, written to a
temporary name first and renamed into place whole, and deleted once the import is over.

With photos in a bucket (FAIRFIELD_PHOTO_STORE=s3) there are several machines, each with its
own var folder, and the worker node that runs the import is rarely the API node that took the
file: the file then waits in the bucket too (`imports/<import id>.csv`, a name the photo
sweeps never touch), and the worker node fetches it into its own var folder.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, Any

from backend.errors import TooLarge
from backend.settings import current_settings

CHUNK = 64 * 1024
FOLDER = "imports"


def folder(var_dir: str) -> Path:
    """The folder import files wait in."""
    return Path(var_dir) / FOLDER


def path_of(var_dir: str, import_id: str) -> Path:
    """The file of one import (`import_id` is ours: a UUID)."""
    return folder(var_dir) / f"{import_id}.csv"


def _bucket() -> tuple[Any, str] | None:
    """(client, bucket) when photos are kept in a bucket every node sees; else None (one
    machine, whose var folder every process shares)."""
    settings = current_settings()
    if settings.photo_store != "s3":
        return None
    from backend.storage.s3 import bucket_store  # boto3, which a local store never loads

    store = bucket_store(settings.s3_bucket, settings.s3_endpoint_url)
    return store.client, store.bucket


def _key(import_id: str) -> str:
    return f"{FOLDER}/{import_id}.csv"


def _write_whole(target: Path, write: Callable[[IO[bytes]], object]) -> None:
    """`write` into a temporary file beside `target`, renamed into place once whole; should
    `write` fail, nothing stays."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def save(stream: IO[bytes], *, var_dir: str, import_id: str, max_bytes: int) -> int:
    """Stream an upload into the import's file (and the bucket, when there is one); its size.
    Past `max_bytes` nothing is kept (413): the body limit already stops a larger request,
    this holds if it is raised."""
    target, size = path_of(var_dir, import_id), 0

    def copy(out: IO[bytes]) -> None:
        nonlocal size
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"The file is larger than {max_bytes} bytes.")
            out.write(chunk)

    _write_whole(target, copy)
    if shared := _bucket():
        client, bucket = shared
        try:
            client.upload_file(str(target), bucket, _key(import_id))
        except BaseException:
            target.unlink()
            raise
    return size


def local_copy(var_dir: str, import_id: str) -> Path:
    """The import's file in this machine's var folder, fetched from the bucket first when the
    file was taken on another node; FileNotFoundError when it is nowhere."""
    target = path_of(var_dir, import_id)
    shared = _bucket()
    if target.exists() or shared is None:
        return target
    from botocore.exceptions import ClientError

    client, bucket = shared

    def fetch(out: IO[bytes]) -> None:
        try:
            client.download_fileobj(bucket, _key(import_id), out)
        except ClientError as error:
            raise FileNotFoundError(_key(import_id)) from error

    _write_whole(target, fetch)
    return target


def release(var_dir: str, import_id: str) -> None:
    """Once the import is queued, a node whose file also waits in the bucket drops its own
    copy: the worker node fetches the bucket's."""
    if _bucket() is not None:
        with contextlib.suppress(FileNotFoundError):
            path_of(var_dir, import_id).unlink()


def discard(var_dir: str, import_id: str) -> None:
    """Delete the import's file, if it is still there (in the bucket too)."""
    with contextlib.suppress(FileNotFoundError):
        path_of(var_dir, import_id).unlink()
    if shared := _bucket():
        client, bucket = shared
        client.delete_object(Bucket=bucket, Key=_key(import_id))


def written_before(var_dir: str, cutoff: float) -> dict[str, Path]:
    """Import files (and half-written uploads) last written before `cutoff` (epoch seconds),
    by import id (a half-written upload by its own name)."""
    found: dict[str, Path] = {}
    if not folder(var_dir).is_dir():
        return found
    for path in folder(var_dir).iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                found[path.stem if path.suffix == ".csv" else path.name] = path
    return found


def in_bucket_before(cutoff: float) -> dict[str, str]:
    """Import files waiting in the bucket, last written before `cutoff` (epoch seconds), by
    import id (their key's stem); none without a bucket."""
    shared = _bucket()
    if shared is None:
        return {}
    client, bucket = shared
    found: dict[str, str] = {}
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=f"{FOLDER}/"
    ):
        for item in page.get("Contents", []):
            if item["LastModified"].timestamp() < cutoff:
                found[PurePosixPath(item["Key"]).stem] = item["Key"]
    return found


def drop_from_bucket(key: str) -> None:
    """Delete one import file from the bucket (gone already: nothing to do)."""
    if shared := _bucket():
        client, bucket = shared
        client.delete_object(Bucket=bucket, Key=key)


def age_cutoff(seconds: float) -> float:
    """The epoch time `seconds` ago."""
    return time.time() - seconds
