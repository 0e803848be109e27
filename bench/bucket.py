"""Photos in a bucket for the benchmarks: a private S3 API server (moto), as the tests run."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from backend.storage.s3 import S3PhotoStore
from backend.submissions.models import Photo
from tests.support.services import s3_client, s3_server
from tests.support.stores import app_store

BUCKET = "fairfield-bench"
CHUNK = 1 << 20


@contextlib.contextmanager
def s3_photos() -> Iterator[dict[str, Any]]:
    """A moto server with an empty bucket; the settings that put an app's photos there (the
    credentials as the standard AWS_* variables, which worker processes inherit)."""
    for key, value in (
        ("AWS_ACCESS_KEY_ID", "bench"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ.setdefault(key, value)
    with s3_server() as endpoint:
        s3_client(endpoint).create_bucket(Bucket=BUCKET)
        yield {"PHOTO_STORE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint}


def photos_in_bucket(app: Any) -> dict[str, int]:
    """Every photo the app's database names, read back from its bucket and hashed: how many
    there are and how many are missing or differ (both must be 0)."""
    store = app_store(app)
    assert isinstance(store, S3PhotoStore), f"photos are not in a bucket: {store!r}"
    with app.extensions["fairfield.db"].transaction(write=False) as session:
        digests = set(session.scalars(select(Photo.sha256)))
    bad = 0
    for digest in digests:
        try:
            body = store.open(digest)
        except FileNotFoundError:
            bad += 1
            continue
        with body:
            hasher = hashlib.sha256()
            while chunk := body.read(CHUNK):
                hasher.update(chunk)
        bad += hasher.hexdigest() != digest
    return {"photos": len(digests), "missing_or_differing": bad}
