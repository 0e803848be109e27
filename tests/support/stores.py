"""The app's photo store as the tests see it, whichever it is (FAIRFIELD_PHOTO_STORE)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

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


def stored_contents(app: Any) -> dict[str, bytes]:
    """Every name the app's store holds (stored_names), with its bytes."""
    store = app_store(app)
    if isinstance(store, LocalPhotoStore):
        return {name: (Path(store.root) / name).read_bytes() for name in stored_names(app)}
    client, bucket = store.client, store.bucket  # type: ignore[attr-defined]
    return {
        name: client.get_object(Bucket=bucket, Key=name)["Body"].read()
        for name in stored_names(app)
        if not name.startswith("upload:")
    }


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


class BucketFollowingClient(FlaskClient):
    """Flask's test client, following a redirect to the test S3 server as a browser would:
    the answer is the bucket's, so a test reads a photo's bytes whichever the store."""

    endpoint = ""  # the S3 server's URL, set by the app fixture

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        location = response.headers.get("Location", "")
        if (
            response.status_code != 302
            or not self.endpoint
            or not location.startswith(self.endpoint)
        ):
            return response
        try:
            with urllib.request.urlopen(location) as fetched:  # noqa: S310 (the test server)
                status, headers, body = fetched.status, fetched.headers, fetched.read()
        except urllib.error.HTTPError as refused:
            status, headers, body = refused.code, refused.headers, refused.read()
        kept = [(k, v) for k, v in headers.items() if k.lower() != "transfer-encoding"]
        return type(response)([body], status, kept, request=response.request)
