"""The app's photo store as the tests see it, whichever it is (FAIRFIELD_PHOTO_STORE)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.storage import LocalPhotoStore, PhotoStore, photo_store


def app_store(app: Any) -> PhotoStore:
    """The store the app's requests and tasks use."""
    with app.app_context():
        return photo_store()


def stored_names(app: Any) -> list[str]:
    """Every name the app's store holds: files under the photo folder, or the bucket's
    objects and unfinished multipart uploads."""
    store = app_store(app)
    if isinstance(store, LocalPhotoStore):
        root = Path(store.root)
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    client, bucket = store.client, store.bucket  # type: ignore[attr-defined]
    objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
    return sorted([o["Key"] for o in objects] + [f"upload:{u['Key']}" for u in uploads])


def partials_left(app: Any) -> list[str]:
    """The kept bytes of unfinished resumable uploads (a file, or pieces, per upload)."""
    return [n for n in stored_names(app) if n.startswith(("partial/", "partials/"))]


def holds(store: PhotoStore, digest: str) -> bool:
    """Whether the store keeps the photo."""
    try:
        store.open(digest).close()
    except FileNotFoundError:
        return False
    return True
