"""Races on a bucket: the orphan sweep against a request storing the same photo at once (S3
has no rename, so the two are ordered by a marker), and a chunk arriving while its upload is
finished on another node."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import uuid
from typing import Any

import pytest

from backend.storage import OffsetMismatch, s3
from backend.storage.s3 import S3PhotoStore
from tests.support.services import s3_client

PHOTO = b"\xff\xd8\xff" + b"a photo stored by a failed request, then again" * 100
DIGEST = hashlib.sha256(PHOTO).hexdigest()
KEY = f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"


class Interleaved:
    """A boto3 client that, when asked to delete the photo, first lets `meanwhile` run
    until `written` is set: another request's write lands between the sweep's look and its
    delete, the window a check-then-delete leaves open."""

    def __init__(self, client: Any) -> None:
        self.client, self.meanwhile, self.written = client, None, threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def put_object(self, **kwargs: Any) -> Any:
        answer = self.client.put_object(**kwargs)
        if kwargs["Key"] == KEY:
            self.written.set()
        return answer

    def delete_object(self, **kwargs: Any) -> Any:
        if kwargs["Key"] == KEY and self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
            assert self.written.wait(10)
        return self.client.delete_object(**kwargs)


@pytest.fixture
def store(s3_endpoint):
    client = s3_client(s3_endpoint)
    bucket = f"race-{uuid.uuid4().hex[:16]}"
    client.create_bucket(Bucket=bucket)
    return S3PhotoStore(bucket, client=Interleaved(client))


def test_a_photo_written_again_while_the_sweep_deletes_it_stays(store):
    store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))  # by a request that then failed
    time.sleep(1.1)
    cutoff = float(int(time.time()))  # S3 keeps times to the second
    store.client.written.clear()
    request = threading.Thread(
        target=lambda: store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO)), daemon=True
    )
    store.client.meanwhile = request.start
    assert store.delete_unless_rewritten(DIGEST, cutoff=cutoff) is True  # the old object went
    request.join(30)
    assert not request.is_alive()
    with store.open(DIGEST) as kept:  # the request's photo did not
        assert kept.read() == PHOTO
    # The sweep left no marker behind; another sweep finds the photo new.
    names = [o["Key"] for o in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]]
    assert names == [KEY]
    assert store.delete_unless_rewritten(DIGEST, cutoff=cutoff) is False


def test_the_sweeps_delete_landing_late_takes_no_photo_a_request_stored(store, monkeypatch):
    """A request's `put` returns only once the sweep holding the name let it go, so the
    sweep's delete, however slow (a retry after a read timeout), lands before it returns."""
    monkeypatch.setattr(s3, "SWEEP_WAIT_S", 1.0)  # the sweep's delete below is slower
    store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))  # by a request that then failed
    time.sleep(1.1)
    cutoff = float(int(time.time()))
    store.client.written.clear()
    returned = threading.Event()

    def request() -> None:
        store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))
        returned.set()  # the request commits its submission now

    def slow_delete() -> None:
        threading.Thread(target=request, daemon=True).start()
        returned.wait(3)

    store.client.meanwhile = slow_delete
    store.delete_unless_rewritten(DIGEST, cutoff=cutoff)
    assert returned.wait(30)
    with store.open(DIGEST) as kept:
        assert kept.read() == PHOTO


def test_no_delete_of_the_sweep_outlasts_a_put_waiting_for_it(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    sweeper = S3PhotoStore("photos", endpoint_url="http://127.0.0.1:9").sweeper.meta.config
    assert sweeper.retries["total_max_attempts"] == 1  # (its "max_attempts" counts retries)
    last_delete_ends = s3.SWEEP_WAIT_S / 2 + sweeper.connect_timeout + sweeper.read_timeout
    assert last_delete_ends < s3.SWEEP_HOLD_S


def test_a_killed_sweeps_marker_holds_off_nothing_for_long(store):
    stored = store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))
    store.client.put_object(Bucket=store.bucket, Key=f".sweep-{stored.sha256}", Body=b"")
    # A second sweep does not run over a marked name; the temporary sweep removes the marker
    # only once no live sweep could hold it.
    assert store.delete_unless_rewritten(stored.sha256, cutoff=time.time() + 10) is False
    assert store.sweep_temporary(older_than_s=0) == 0
    with store.open(stored.sha256) as kept:
        assert kept.read() == PHOTO


class Sent:
    """A chunk whose arrival lets `meanwhile` run once its first bytes are in."""

    def __init__(self, data: bytes, meanwhile: Any) -> None:
        self.body, self.meanwhile = io.BytesIO(data), meanwhile

    def read(self, size: int) -> bytes:
        data = self.body.read(min(size, 10))
        if self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        return data

    def accept(self) -> bool:
        return True


def test_a_chunk_arriving_while_its_upload_is_discarded_leaves_no_piece(store):
    upload = str(uuid.uuid4())
    first = Sent(b"a" * 10, None)
    assert store.append_partial(upload, offset=0, chunk=first, limit=100, wait_s=0) == 10
    late = Sent(b"b" * 30, lambda: store.discard_partial(upload))  # finished on another node
    with pytest.raises(OffsetMismatch) as refused:
        store.append_partial(upload, offset=10, chunk=late, limit=100, wait_s=0)
    assert refused.value.offset == 0
    assert store.client.list_objects_v2(Bucket=store.bucket).get("Contents", []) == []


def test_an_erased_photo_leaves_no_version_in_a_versioned_bucket(store):
    """docker-compose's bucket keeps versions: a delete there only hides the bytes."""
    store.client.put_bucket_versioning(
        Bucket=store.bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    stored = store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))
    store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))  # written twice: two versions
    # Past one part: a multipart upload under a temporary name, then copied to its own.
    big = PHOTO + os.urandom(9 * 1024 * 1024)
    large = store.put(io.BytesIO(big), max_bytes=len(big))
    store.put_derived(stored.sha256, "brand", b"copy")
    store.put_derived(stored.sha256, "brand", b"copy made again")
    upload = str(uuid.uuid4())  # a resumable upload's pieces, discarded at erasure
    store.append_partial(upload, offset=0, chunk=Sent(b"piece", None), limit=100, wait_s=0)
    store.discard_partial(upload)
    assert store.delete(stored.sha256) == 2
    assert store.delete(large.sha256) == 1
    versions = store.client.list_object_versions(Bucket=store.bucket)
    assert versions.get("Versions", []) == []
    assert versions.get("DeleteMarkers", []) == []


def _versioned(store: S3PhotoStore) -> None:
    store.client.put_bucket_versioning(
        Bucket=store.bucket, VersioningConfiguration={"Status": "Enabled"}
    )


def test_an_orphan_swept_leaves_no_version_in_a_versioned_bucket(store):
    _versioned(store)
    stored = store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))
    store.put(io.BytesIO(PHOTO), max_bytes=len(PHOTO))  # written twice: two versions
    store.put_derived(stored.sha256, "brand", b"copy")
    time.sleep(1.1)
    assert store.delete_unless_rewritten(stored.sha256, cutoff=time.time()) is True
    versions = store.client.list_object_versions(Bucket=store.bucket)
    assert versions.get("Versions", []) == []
    assert versions.get("DeleteMarkers", []) == []


def test_a_killed_uploads_object_leaves_no_version_in_a_versioned_bucket(store):
    _versioned(store)
    left = ".upload-1-a-killed-request"
    store.client.put_object(Bucket=store.bucket, Key=left, Body=PHOTO)
    store.client.put_object(Bucket=store.bucket, Key=left, Body=PHOTO)
    store.client.delete_object(Bucket=store.bucket, Key=left)  # a delete marker on top
    time.sleep(1.1)
    assert store.sweep_temporary(older_than_s=0) == 3
    versions = store.client.list_object_versions(Bucket=store.bucket)
    assert versions.get("Versions", []) == []
    assert versions.get("DeleteMarkers", []) == []
