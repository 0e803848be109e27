"""Local photo storage: content-addressed names, bounded streams, nothing left behind."""

from __future__ import annotations

import hashlib
import io

import pytest

from backend.storage import LocalPhotoStore, TooLarge


def files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_the_name_is_the_content_hash_and_the_same_bytes_are_kept_once(tmp_path):
    store = LocalPhotoStore(tmp_path)
    data = b"\xff\xd8\xff" + b"shelf" * 50_000  # several chunks
    first = store.put(io.BytesIO(data), max_bytes=1_000_000)
    again = store.put(io.BytesIO(data), max_bytes=1_000_000)
    digest = hashlib.sha256(data).hexdigest()
    assert first == again
    assert (first.sha256, first.size) == (digest, len(data))
    assert files(tmp_path) == [f"{digest[:2]}/{digest[2:4]}/{digest}"]
    with store.open(digest) as stored:
        assert stored.read() == data


def test_a_stream_past_the_limit_keeps_nothing(tmp_path):
    store = LocalPhotoStore(tmp_path)
    with pytest.raises(TooLarge):
        store.put(io.BytesIO(b"x" * 200_001), max_bytes=200_000)
    assert files(tmp_path) == []
    assert store.put(io.BytesIO(b"x" * 200_000), max_bytes=200_000).size == 200_000


def test_only_digests_name_files(tmp_path):
    store = LocalPhotoStore(tmp_path)
    for bad in ("../../etc/passwd", "a" * 63, "A" * 64, "g" * 64, ""):
        with pytest.raises(ValueError, match="sha256"):
            store.open(bad)


def test_the_sweeper_removes_only_abandoned_upload_files(tmp_path):
    import os
    import time

    store = LocalPhotoStore(tmp_path)
    kept = store.put(io.BytesIO(b"\xff\xd8\xff photo"), max_bytes=100)
    old, fresh = tmp_path / ".upload-old", tmp_path / ".upload-fresh"
    old.write_bytes(b"half a photo")
    fresh.write_bytes(b"being written")
    hour_ago = time.time() - 3700
    os.utime(old, (hour_ago, hour_ago))
    assert store.sweep_temporary(older_than_s=3600) == 1
    assert not old.exists()
    assert fresh.exists()
    assert store.path(kept.sha256).exists()


def test_a_derived_copy_is_kept_beside_its_original_by_kind(tmp_path):
    store = LocalPhotoStore(tmp_path)
    original = store.put(io.BytesIO(b"\xff\xd8\xff original"), max_bytes=100)
    with pytest.raises(FileNotFoundError):
        store.open_derived(original.sha256, "brand")
    store.put_derived(original.sha256, "brand", b"copy")
    with store.open_derived(original.sha256, "brand") as copy:
        assert copy.read() == b"copy"
    assert store.derived_path(original.sha256, "brand").is_relative_to(tmp_path / "derived")
    with pytest.raises(ValueError, match="kind"):
        store.derived_path(original.sha256, "../../etc")
    assert not list(tmp_path.glob(".upload-*"))


def test_delete_removes_a_photo_and_its_copies_and_nothing_else(tmp_path):
    store = LocalPhotoStore(tmp_path)
    gone = store.put(io.BytesIO(b"\xff\xd8\xff erase me"), max_bytes=100)
    kept = store.put(io.BytesIO(b"\xff\xd8\xff keep me"), max_bytes=100)
    store.put_derived(gone.sha256, "brand", b"copy")
    store.put_derived(kept.sha256, "brand", b"other copy")
    assert store.delete(gone.sha256) == 2
    assert store.delete(gone.sha256) == 0  # again: nothing left to remove
    with pytest.raises(FileNotFoundError):
        store.open(gone.sha256)
    left = [store.path(kept.sha256), store.derived_path(kept.sha256, "brand")]
    assert files(tmp_path) == sorted(p.relative_to(tmp_path).as_posix() for p in left)
