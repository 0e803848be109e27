"""What every PhotoStore does, run over the local folder and a real S3 API server (moto)."""

from __future__ import annotations

import hashlib
import io
import time
import tracemalloc
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backend.storage import CHUNK, Busy, DigestMismatch, LocalPhotoStore, OffsetMismatch, TooLarge
from backend.storage.s3 import PART_BYTES, S3PhotoStore
from tests.support.services import s3_client


@pytest.fixture(params=["local", "s3"])
def kept(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, Callable[[], list[str]]]:
    """A store of each kind, empty, and what it holds: its names, uploads in progress too."""
    if request.param == "local":
        store = LocalPhotoStore(tmp_path)
        return store, lambda: sorted(
            p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()
        )
    client = s3_client(request.getfixturevalue("s3_endpoint"))
    bucket = f"contract-{uuid.uuid4().hex[:16]}"  # a bucket per test: nothing shared
    client.create_bucket(Bucket=bucket)

    def names() -> list[str]:
        objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return sorted([o["Key"] for o in objects] + [f"upload:{u['Key']}" for u in uploads])

    return S3PhotoStore(bucket, client=client), names


def name(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def test_the_name_is_the_content_hash_and_the_same_bytes_are_kept_once(kept):
    store, names = kept
    data = b"\xff\xd8\xff" + b"shelf" * 50_000  # several chunks
    first = store.put(io.BytesIO(data), max_bytes=1_000_000)
    again = store.put(io.BytesIO(data), max_bytes=1_000_000)
    digest = hashlib.sha256(data).hexdigest()
    assert first == again
    assert (first.sha256, first.size) == (digest, len(data))
    assert names() == [name(digest)]
    with store.open(digest) as stored:
        assert stored.read() == data


def test_a_photo_longer_than_one_part_streams_through_in_parts(kept):
    store, names = kept
    data = bytes(range(256)) * (PART_BYTES // 256 * 2 + 1000)  # two full parts and a tail
    stored = store.put(io.BytesIO(data), max_bytes=len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert names() == [name(stored.sha256)]
    with store.open(stored.sha256) as back:
        assert hashlib.sha256(back.read()).hexdigest() == stored.sha256


class Generated(io.RawIOBase):
    """`size` bytes made as they are read, so that the test itself holds none of them."""

    def __init__(self, size: int) -> None:
        self.left, self.digest = size, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = bytes([self.left % 251]) * min(size if size > 0 else CHUNK, self.left)
        self.left -= len(data)
        self.digest.update(data)
        return data


def test_no_photo_is_held_whole_in_memory_going_in_or_out(kept):
    store, _ = kept
    size = 2 * PART_BYTES + 12345
    source = Generated(size)
    tracemalloc.start()
    try:
        stored = store.put(source, max_bytes=size)  # type: ignore[arg-type]
        went_in = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        read = hashlib.sha256()
        with store.open(stored.sha256) as back:
            while data := back.read(CHUNK):
                read.update(data)
        came_out = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stored.sha256 == source.digest.hexdigest() == read.hexdigest()
    assert went_in < PART_BYTES // 2, went_in  # not a photo, not even a part
    assert came_out < PART_BYTES // 2, came_out


def test_a_stream_past_the_limit_keeps_nothing(kept):
    store, names = kept
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"x" * 200_001), max_bytes=200_000)
    big = PART_BYTES + 10
    with pytest.raises(TooLarge):  # past the limit after a part went up
        store.put(io.BytesIO(b"y" * big), max_bytes=big - 1)
    assert names() == []
    assert store.put(io.BytesIO(b"x" * 200_000), max_bytes=200_000).size == 200_000


def test_bytes_not_hashing_to_the_promised_digest_are_not_kept(kept):
    store, names = kept
    for data in (b"\xff\xd8\xff small", b"z" * (PART_BYTES + 1)):
        with pytest.raises(DigestMismatch):
            store.put(io.BytesIO(data), max_bytes=len(data), sha256="0" * 64)
    assert names() == []
    data = b"\xff\xd8\xff promised"
    promised = hashlib.sha256(data).hexdigest()
    assert store.put(io.BytesIO(data), max_bytes=100, sha256=promised).sha256 == promised


def test_only_digests_name_photos(kept):
    store, _ = kept
    for bad in ("../../etc/passwd", "a" * 63, "A" * 64, "g" * 64, ""):
        with pytest.raises(ValueError, match="sha256"):
            store.open(bad)
    with pytest.raises(FileNotFoundError):
        store.open("a" * 64)


def test_a_derived_copy_is_an_object_of_its_own_by_kind(kept):
    store, names = kept
    original = store.put(io.BytesIO(b"\xff\xd8\xff original"), max_bytes=100)
    with pytest.raises(FileNotFoundError):
        store.open_derived(original.sha256, "brand")
    store.put_derived(original.sha256, "brand", b"copy")
    store.put_derived(original.sha256, "brand", b"copy made again")
    with store.open_derived(original.sha256, "brand") as copy:
        assert copy.read() == b"copy made again"
    with pytest.raises(ValueError, match="kind"):
        store.put_derived(original.sha256, "../../etc", b"no")
    assert names() == sorted([name(original.sha256), f"derived/brand/{name(original.sha256)}"])


def test_delete_removes_a_photo_and_its_copies_and_nothing_else(kept):
    store, names = kept
    gone = store.put(io.BytesIO(b"\xff\xd8\xff erase me"), max_bytes=100)
    stays = store.put(io.BytesIO(b"\xff\xd8\xff keep me"), max_bytes=100)
    store.put_derived(gone.sha256, "brand", b"copy")
    store.put_derived(gone.sha256, "thumb", b"small copy")
    store.put_derived(stays.sha256, "brand", b"other copy")
    assert store.delete(gone.sha256) == 3
    assert store.delete(gone.sha256) == 0  # again: nothing left to remove
    with pytest.raises(FileNotFoundError):
        store.open(gone.sha256)
    assert names() == sorted([name(stays.sha256), f"derived/brand/{name(stays.sha256)}"])


def test_the_orphan_sweep_deletes_only_what_was_not_written_again(kept):
    store, names = kept
    old = store.put(io.BytesIO(b"\xff\xd8\xff orphan"), max_bytes=100)
    store.put_derived(old.sha256, "brand", b"copy")
    time.sleep(1.1)  # S3 keeps times to the second
    cutoff = time.time()
    time.sleep(1.1)
    fresh = store.put(io.BytesIO(b"\xff\xd8\xff just stored"), max_bytes=100)
    assert list(store.stored_before(cutoff)) == [old.sha256]
    assert store.delete_unless_rewritten(fresh.sha256, cutoff=cutoff) is False
    assert store.delete_unless_rewritten(old.sha256, cutoff=cutoff) is True
    assert store.delete_unless_rewritten(old.sha256, cutoff=cutoff) is False  # gone already
    assert names() == [name(fresh.sha256)]


def test_the_sweeper_removes_only_abandoned_uploads(kept):
    store, names = kept
    photo = store.put(io.BytesIO(b"\xff\xd8\xff photo"), max_bytes=100)
    assert store.sweep_temporary(older_than_s=3600) == 0
    if isinstance(store, S3PhotoStore):  # a killed process's multipart upload, never finished
        store.client.create_multipart_upload(
            Bucket=store.bucket, Key=f".upload-{int(time.time())}-killed"
        )
        store.client.put_object(Bucket=store.bucket, Key=".upload-left", Body=b"half")
    else:
        (store.root / ".upload-killed").write_bytes(b"half a photo")
    assert store.sweep_temporary(older_than_s=3600) == 0  # too young to be abandoned
    time.sleep(1.1)
    assert store.sweep_temporary(older_than_s=0) >= 1
    assert names() == [name(photo.sha256)]


class Sent:
    """A chunk as a request brings it: `refuse` makes it fail its checksum once read;
    `meanwhile` runs once, after its first bytes arrived (another request at work)."""

    def __init__(self, data: bytes, *, refuse: bool = False, meanwhile: Any = None) -> None:
        self.body, self.refuse, self.meanwhile = io.BytesIO(data), refuse, meanwhile

    def read(self, size: int) -> bytes:
        data = self.body.read(min(size, 1000))
        if self.meanwhile is not None and data:
            run, self.meanwhile = self.meanwhile, None
            run()
        return data

    def accept(self) -> bool:
        return not self.refuse


def test_a_partial_upload_grows_chunk_by_chunk_and_is_stored_whole(kept):
    store, names = kept
    upload, data = str(uuid.uuid4()), b"\xff\xd8\xff" + bytes(range(256)) * 300
    assert store.partial_size(upload) == 0
    offset = 0
    for size in (10, 5000, 20_000, len(data)):
        piece = data[offset : offset + size]
        offset = store.append_partial(
            upload, offset=offset, chunk=Sent(piece), limit=len(data), wait_s=0
        )
        assert store.partial_size(upload) == offset
    assert offset == len(data)
    digest = hashlib.sha256(data).hexdigest()
    assert store.put_partial(upload, max_bytes=len(data), sha256=digest).size == len(data)
    assert name(digest) in names()  # the pieces stay until discarded: a crash loses nothing
    store.discard_partial(upload)
    store.discard_partial(upload)  # again: nothing to do
    assert names() == [name(digest)]
    assert store.partial_size(upload) == 0
    with store.open(digest) as stored:
        assert stored.read() == data


def test_a_partial_keeps_exact_offsets(kept):
    store, names = kept
    upload = str(uuid.uuid4())
    assert store.append_partial(upload, offset=0, chunk=Sent(b"abc"), limit=10, wait_s=0) == 3
    for wrong in (0, 2, 4):  # a chunk sent twice, or one too far
        with pytest.raises(OffsetMismatch) as refused:
            store.append_partial(upload, offset=wrong, chunk=Sent(b"xyz"), limit=10, wait_s=0)
        assert refused.value.offset == 3
    refused_chunk = Sent(b"bad", refuse=True)
    assert store.append_partial(upload, offset=3, chunk=refused_chunk, limit=10, wait_s=0) == 3
    # Never past the declared length; a cut connection keeps what came (a short chunk).
    assert store.append_partial(upload, offset=3, chunk=Sent(b"defghijk"), limit=10, wait_s=0) == 10
    assert store.partial_size(upload) == 10
    with pytest.raises(DigestMismatch):
        store.put_partial(upload, max_bytes=10, sha256="0" * 64)
    assert store.partial_size(upload) == 10  # still there to be looked at, or discarded
    with pytest.raises(ValueError, match="upload id"):
        store.partial_size("../../etc/passwd")
    store.discard_partial(upload)
    assert names() == []


def test_two_requests_never_both_append_at_one_offset(kept):
    """The second request starts while the first's bytes are arriving (another node, or
    another process): it is refused, and the upload holds the first request's bytes only."""
    store, _ = kept
    upload, second = str(uuid.uuid4()), []

    def another_request() -> None:
        try:
            store.append_partial(upload, offset=0, chunk=Sent(b"B" * 50), limit=100, wait_s=0)
            second.append("appended")
        except (Busy, OffsetMismatch) as refused:
            second.append(type(refused).__name__)

    first = Sent(b"A" * 3000, meanwhile=another_request)
    try:
        end = store.append_partial(upload, offset=0, chunk=first, limit=5000, wait_s=0)
        outcome = f"first at {end}"
    except OffsetMismatch as refused:
        outcome = f"first refused at {refused.offset}"
    # The local store locks the file; the bucket refuses the later of two writes at one name.
    if isinstance(store, LocalPhotoStore):
        assert (second, outcome) == (["Busy"], "first at 3000")
        expected = b"A" * 3000
    else:
        assert (second, outcome) == (["appended"], "first refused at 50")
        expected = b"B" * 50
    digest = hashlib.sha256(expected).hexdigest()
    assert store.put_partial(upload, max_bytes=5000, sha256=digest).size == len(expected)


def test_a_partial_longer_than_one_part_is_joined_in_parts(kept):
    store, names = kept
    upload, data = str(uuid.uuid4()), bytes(range(256)) * (PART_BYTES // 256 + 4096)
    offset, step = 0, 3 * 1024 * 1024  # chunks under the 5 MiB an S3 part needs
    while offset < len(data):
        piece = Sent(data[offset : offset + step])
        offset = store.append_partial(upload, offset=offset, chunk=piece, limit=len(data), wait_s=0)
    digest = hashlib.sha256(data).hexdigest()
    assert store.put_partial(upload, max_bytes=len(data), sha256=digest).sha256 == digest
    store.discard_partial(upload)
    assert names() == [name(digest)]


def test_the_settings_choose_the_store(app, s3_endpoint, s3_bucket, monkeypatch):
    from backend.settings import BadSetting, defaults_with, override_settings
    from backend.storage import photo_store

    with app.app_context():
        override_settings(app, PHOTO_STORE="local")
        assert isinstance(photo_store(), LocalPhotoStore)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        override_settings(app, PHOTO_STORE="s3", S3_BUCKET=s3_bucket, S3_ENDPOINT_URL=s3_endpoint)
        store = photo_store()
        assert isinstance(store, S3PhotoStore)
        assert store.bucket == s3_bucket
        stored = store.put(io.BytesIO(b"\xff\xd8\xff chosen"), max_bytes=100)
        assert store.delete(stored.sha256) == 1
    with pytest.raises(BadSetting, match="FAIRFIELD_S3_BUCKET"):
        defaults_with(PHOTO_STORE="s3")
