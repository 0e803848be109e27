"""A full photo disk: an upload answers 507 problem+json with nothing of it kept, and goes
through once there is room again."""

from __future__ import annotations

import errno
import hashlib

import pytest
from sqlalchemy import func, select

from backend.missions.models import Assignment
from backend.storage import local
from backend.submissions.models import Photo, Submission
from tests.support.disk import small_disk
from tests.support.photos import jpeg, shelf
from tests.support.submitting import submit
from tests.support.tus import Tus, declaration

pytestmark = pytest.mark.local_store("a folder on a disk of its own")

PHOTOS = [jpeg(shelf(seed=1)), jpeg(shelf(seed=2))]
DISK = 4 << 20


@pytest.fixture
def disk(app_config, tmp_path, request):
    """The photo folder on a 4 MiB disk of its own; the app is made after it."""
    with small_disk(tmp_path / "disk", DISK) as mounted:
        app_config["PHOTO_DIR"] = str(mounted.root / "photos")
        request.getfixturevalue("app")
        yield mounted


def assert_insufficient_storage(response):
    assert response.status_code == 507, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "insufficient_storage"
    assert response.json["status"] == 507
    assert response.headers["Retry-After"]


def counts(db):
    with db.transaction(write=False) as session:
        return (
            session.scalar(select(func.count()).select_from(Submission)),
            session.scalar(select(func.count()).select_from(Photo)),
        )


def test_a_submission_on_a_full_disk_is_refused_whole_and_taken_once_there_is_room(
    disk, client, db, claim
):
    claimed = claim()
    disk.fill(leave=len(PHOTOS[0]) + 64 * 1024)  # room for one photo, not two

    refused = submit(client, claimed, PHOTOS, key="full-disk")
    assert_insufficient_storage(refused)
    assert counts(db) == (0, 0)
    with db.transaction(write=False) as session:
        assert session.get_one(Assignment, claimed.assignment_id).status == "active"
    # The photo stored before the disk filled up is the orphan sweep's (nothing names it);
    # no temporary file is left half-written.
    assert not [name for name in disk.files() if "/.upload-" in f"/{name}"]

    disk.free()
    taken = submit(client, claimed, PHOTOS, key="full-disk")
    assert taken.status_code == 202, taken.json
    assert counts(db) == (1, 2)


def test_a_chunk_on_a_full_disk_is_not_kept_and_the_upload_resumes_once_there_is_room(
    disk, client, db, claim
):
    claimed = claim()
    worker = Tus(client, claimed.headers)
    declared = worker.declare(claimed.assignment_id, declaration(PHOTOS))
    assert declared.status_code == 201, declared.json
    first, second = (u["url"] for u in declared.json["uploads"])
    assert worker.send(first, PHOTOS[0]).status_code == 204

    half = len(PHOTOS[1]) // 2
    assert worker.patch(second, 0, PHOTOS[1][:half]).status_code == 204
    disk.fill(leave=96 * 1024)  # room for part of the chunk
    refused = worker.patch(second, half, PHOTOS[1][half:])
    assert_insufficient_storage(refused)
    # Nothing of the refused chunk, not even what fitted: the upload is where it was.
    assert worker.head(second).headers["Upload-Offset"] == str(half)

    disk.free()
    resumed = worker.patch(second, half, PHOTOS[1][half:], checksum="sha256")
    assert resumed.status_code == 204, resumed.json
    with db.transaction(write=False) as session:
        submission = session.get_one(Submission, declared.json["submission_id"])
        assert submission.status == "received"
        digests = session.scalars(
            select(Photo.sha256).where(Photo.submission_id == submission.id)
        ).all()
    assert sorted(digests) == sorted(hashlib.sha256(p).hexdigest() for p in PHOTOS)


def test_a_photo_whose_smaller_copy_finds_no_room_is_served_all_the_same(disk, client, claim):
    claimed = claim()
    taken = submit(client, claimed, PHOTOS[:1])
    assert taken.status_code == 202, taken.json
    shown = client.get(
        f"/api/v1/submissions/{taken.json['submission_id']}", headers=claimed.headers
    )
    (photo,) = shown.json["photos"]
    disk.fill(leave=0)

    # The copy is made but cannot be kept: the reader gets it, made again next time.
    for url in (photo["thumbnail_url"], photo["review_url"]):
        served = client.get(url)
        assert served.status_code == 200, served.json
        assert served.mimetype == "image/jpeg"
        assert served.data.startswith(b"\xff\xd8")
    assert not [name for name in disk.files() if name.startswith("photos/derived/")]
    assert not [name for name in disk.files() if "/.upload-" in f"/{name}"]

    disk.free()
    assert client.get(photo["thumbnail_url"]).status_code == 200
    assert [name for name in disk.files() if name.startswith("photos/derived/thumb/")]


def test_a_chunk_a_filesystem_refuses_only_at_fsync_is_not_kept(client, db, claim, monkeypatch):
    """btrfs, NFS and thin volumes may take every write and say they are full only when the
    data is flushed: the chunk is refused whole there too, and the upload resumes."""
    claimed = claim()
    worker = Tus(client, claimed.headers)
    declared = worker.declare(claimed.assignment_id, declaration(PHOTOS[:1]))
    assert declared.status_code == 201, declared.json
    (url,) = (u["url"] for u in declared.json["uploads"])
    half = len(PHOTOS[0]) // 2
    assert worker.patch(url, 0, PHOTOS[0][:half]).status_code == 204

    flush = local.os.fsync

    def full_at_flush(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local.os, "fsync", full_at_flush)
    refused = worker.patch(url, half, PHOTOS[0][half:])
    assert_insufficient_storage(refused)
    assert worker.head(url).headers["Upload-Offset"] == str(half)

    monkeypatch.setattr(local.os, "fsync", flush)
    resumed = worker.patch(url, half, PHOTOS[0][half:], checksum="sha256")
    assert resumed.status_code == 204, resumed.json
    with db.transaction(write=False) as session:
        digests = session.scalars(
            select(Photo.sha256).where(Photo.submission_id == declared.json["submission_id"])
        ).all()
    assert digests == [hashlib.sha256(PHOTOS[0]).hexdigest()]
