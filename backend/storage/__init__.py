"""Photo storage: content-addressed, streamed, bounded. A local folder (local.py), or an
S3-compatible bucket (s3.py), chosen by FAIRFIELD_PHOTO_STORE.

Names are made by the server from the content (sha256), never from what a client sent,
so a filename cannot traverse paths and the same bytes are stored once.
"""

from __future__ import annotations

from backend.settings import current_settings
from backend.storage.base import (
    CHUNK,
    Busy,
    Chunk,
    DigestMismatch,
    OffsetMismatch,
    PhotoStore,
    Stored,
    TooLarge,
)
from backend.storage.local import LocalPhotoStore

__all__ = [
    "CHUNK",
    "Busy",
    "Chunk",
    "DigestMismatch",
    "LocalPhotoStore",
    "OffsetMismatch",
    "PhotoStore",
    "Stored",
    "TooLarge",
    "photo_store",
]


def photo_store() -> PhotoStore:
    """The app's photo store: a local folder (FAIRFIELD_PHOTO_DIR), or with
    FAIRFIELD_PHOTO_STORE=s3 a bucket (FAIRFIELD_S3_BUCKET, FAIRFIELD_S3_ENDPOINT_URL)."""
    settings = current_settings()
    if settings.photo_store == "s3":
        # Imported here: it brings boto3, which a local store never loads.
        from backend.storage.s3 import bucket_store

        return bucket_store(settings.s3_bucket, settings.s3_endpoint_url)
    return LocalPhotoStore(settings.photo_dir)
