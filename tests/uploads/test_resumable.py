"""Resumable submissions: photos arrive in chunks over tus, survive cut connections, and the
submission is final, and validated, only once every photo is in and hashes as declared."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from backend.missions.models import Assignment, Mission
from backend.outbox.models import OutboxMessage
from backend.storage import LocalPhotoStore
from backend.submissions.models import Photo, Submission
from backend.uploads import service
from backend.uploads.models import Upload
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.stores import app_store, holds, partials_left, stored_names
from tests.support.tables import stored_values
from tests.support.tus import declaration

PHOTOS = [jpeg(shelf(seed=1)), jpeg(shelf(seed=2))]


def read(db, model, key):
    with db.transaction(write=False) as session:
        return session.get_one(model, key)


def validation_messages(db):
    with db.transaction(write=False) as session:
        return session.scalars(
            select(OutboxMessage.args).where(
                OutboxMessage.task_name == "validation.validate_submission"
            )
        ).all()


def declared(claim, tus, photos=PHOTOS, **payload):
    claimed = claim()
    worker = tus(claimed.headers)
    response = worker.declare(claimed.assignment_id, declaration(photos, **payload))
    assert response.status_code == 201, response.json
    return claimed, worker, response.json


def test_photos_sent_in_chunks_make_the_submission_whole_only_at_the_last_byte(
    app, client, db, claim, tus
):
    claimed, worker, body = declared(claim, tus)
    submission_id = body["submission_id"]
    assert body["status"] == "uploading"
    assert [(u["position"], u["size"], u["offset"]) for u in body["uploads"]] == [
        (0, len(PHOTOS[0]), 0),
        (1, len(PHOTOS[1]), 0),
    ]
    # The claim's clock stopped at the declaration; the mission waits for the photos.
    assert read(db, Assignment, claimed.assignment_id).status == "submitted"
    assert read(db, Mission, claimed.mission_id).status == "claimed"

    first, second = (u["url"] for u in body["uploads"])
    assert worker.patch(first, 0, PHOTOS[0][:1000]).headers["Upload-Offset"] == "1000"
    head = worker.head(first)
    assert head.status_code == 200
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == (
        "1000",
        str(len(PHOTOS[0])),
    )
    assert head.headers["Cache-Control"] == "no-store"
    assert head.headers["Tus-Resumable"] == "1.0.0"
    assert head.headers["Upload-Expires"].endswith("GMT")
    worker.send(first, PHOTOS[0], chunk=50_000)
    assert read(db, Submission, submission_id).status == "uploading"
    assert validation_messages(db) == []
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
    assert (shown["status"], shown["photos"]) == ("uploading", [])

    last = worker.send(second, PHOTOS[1], chunk=len(PHOTOS[1]))
    assert last.status_code == 204
    assert last.headers["Upload-Offset"] == str(len(PHOTOS[1]))
    assert read(db, Submission, submission_id).status == "received"
    assert read(db, Mission, claimed.mission_id).status == "submitted"
    assert validation_messages(db) == [[submission_id]]
    assert partials_left(app) == []  # accepted photos leave no partial bytes behind
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
    assert [p["sha256"] for p in shown["photos"]] == [hashlib.sha256(p).hexdigest() for p in PHOTOS]
    for photo, original in zip(shown["photos"], PHOTOS, strict=True):
        assert client.get(photo["url"], headers=claimed.headers).data == original
    listed = client.get(f"/api/v1/submissions/{submission_id}/uploads", headers=claimed.headers)
    assert [u["complete"] for u in listed.json["uploads"]] == [True, True]
    # A phone that missed the last answer asks again and learns it is done.
    assert worker.head(second).headers["Upload-Offset"] == str(len(PHOTOS[1]))
    assert worker.patch(second, len(PHOTOS[1]), b"").status_code == 204


def test_a_cut_chunk_keeps_the_bytes_that_arrived_and_resumes_there(app, claim, tus):
    _claimed, worker, body = declared(claim, tus)
    url, photo = body["uploads"][0]["url"], PHOTOS[0]
    worker.patch(url, 0, photo[:200_000], cut_after=123_457)
    assert worker.head(url).headers["Upload-Offset"] == "123457"
    worker.send(url, photo)
    with app_store(app).open(hashlib.sha256(photo).hexdigest()) as kept:
        assert kept.read() == photo


def test_a_chunk_for_another_offset_is_refused_with_the_right_one(claim, tus):
    _claimed, worker, body = declared(claim, tus)
    url = body["uploads"][0]["url"]
    worker.patch(url, 0, PHOTOS[0][:5000])
    response = worker.patch(url, 4000, PHOTOS[0][4000:9000])
    assert response.status_code == 409
    assert (response.json["code"], response.json["offset"]) == ("offset_mismatch", 5000)
    assert "Upload-Offset" in response.json["errors"]
    assert worker.head(url).headers["Upload-Offset"] == "5000"


def test_a_chunk_that_fails_its_checksum_is_dropped(claim, tus):
    _claimed, worker, body = declared(claim, tus)
    url, photo = body["uploads"][0]["url"], PHOTOS[0]
    ok = worker.patch(url, 0, photo[:4096], checksum="sha256")
    assert ok.status_code == 204
    wrong = worker.patch(
        url, 4096, photo[4096:8192], headers={"Upload-Checksum": "sha1 " + "A" * 27 + "="}
    )
    assert wrong.status_code == 460
    assert wrong.json["code"] == "checksum_mismatch"
    # A checksum cannot vouch for part of a chunk: a cut one is dropped whole.
    worker.patch(url, 4096, photo[4096:8192], checksum="sha1", cut_after=1000)
    assert worker.head(url).headers["Upload-Offset"] == "4096"


def test_a_photo_that_does_not_hash_as_declared_starts_again(db, claim, tus):
    _claimed, worker, body = declared(claim, tus)
    url, photo = body["uploads"][0]["url"], PHOTOS[0]
    tampered = photo[:-10] + bytes(10)
    response = worker.patch(url, 0, tampered)
    assert response.status_code == 460
    assert response.json["code"] == "photo_checksum_mismatch"
    assert "photos.0.sha256" in response.json["errors"]
    assert worker.head(url).headers["Upload-Offset"] == "0"
    assert worker.send(url, photo).status_code == 204
    assert read(db, Upload, body["uploads"][0]["id"]).completed_at is not None


def test_protocol_errors_name_the_header(claim, tus, client):
    _claimed, worker, body = declared(claim, tus)
    url = body["uploads"][0]["url"]
    response = worker.patch(url, 0, b"abc", headers={"Tus-Resumable": "0.2.2"})
    assert (response.status_code, list(response.json["errors"])) == (412, ["Tus-Resumable"])
    response = worker.patch(url, 0, b"abc", headers={"Content-Type": "image/jpeg"})
    assert (response.status_code, list(response.json["errors"])) == (415, ["Content-Type"])
    response = worker.patch(url, 0, b"abc", headers={"Upload-Offset": "-1"})
    assert (response.status_code, list(response.json["errors"])) == (400, ["Upload-Offset"])
    response = worker.patch(url, 0, b"abc", headers={"Upload-Checksum": "crc32 AAAA"})
    assert (response.status_code, list(response.json["errors"])) == (400, ["Upload-Checksum"])
    too_long = PHOTOS[0] + b"x"
    response = worker.patch(url, 0, too_long)
    assert (response.status_code, list(response.json["errors"])) == (413, ["Content-Length"])
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Tus-Resumable"] == "1.0.0"
    options = client.options(url)
    assert options.status_code == 204
    assert options.headers["Tus-Version"] == "1.0.0"
    assert "checksum" in options.headers["Tus-Extension"]
    assert "sha1" in options.headers["Tus-Checksum-Algorithm"]


def test_only_the_uploads_worker_may_see_or_fill_it(claim, tus, make, auth_headers):
    _claimed, _worker, body = declared(claim, tus)
    url = body["uploads"][0]["url"]
    stranger = tus(auth_headers(make(UserFactory)))
    assert stranger.head(url).status_code == 404
    assert stranger.patch(url, 0, b"\xff\xd8\xff").status_code == 404


def test_a_declaration_is_checked_before_anything_is_recorded(app, db, claim, tus):
    claimed = claim()
    worker = tus(claimed.headers)
    body = declaration(PHOTOS)
    body["photos"][1]["sha256"] = "not-a-digest"
    response = worker.declare(claimed.assignment_id, body)
    assert (response.status_code, list(response.json["errors"])) == (422, ["photos.1.sha256"])
    body = declaration(PHOTOS)
    body["photos"][0]["size"] = app.config["PHOTO_MAX_BYTES"] + 1
    response = worker.declare(claimed.assignment_id, body)
    assert (response.status_code, list(response.json["errors"])) == (413, ["photos.0.size"])
    body = declaration(PHOTOS * 6)
    response = worker.declare(claimed.assignment_id, body)
    assert (response.status_code, list(response.json["errors"])) == (422, ["photos"])
    response = worker.declare(claimed.assignment_id, declaration(PHOTOS, latitude=91))
    assert (response.status_code, list(response.json["errors"])) == (422, ["payload.latitude"])
    assert read(db, Assignment, claimed.assignment_id).status == "active"
    with db.transaction(write=False) as session:
        assert session.scalars(select(Submission)).all() == []


def test_a_retried_declaration_with_its_key_gets_the_same_uploads(claim, tus):
    claimed = claim()
    worker = tus(claimed.headers)
    body = declaration(PHOTOS)
    first = worker.declare(claimed.assignment_id, body, key="k-1")
    again = worker.declare(claimed.assignment_id, body, key="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    without_key = worker.declare(claimed.assignment_id, declaration(PHOTOS))
    assert (without_key.status_code, without_key.json["code"]) == (409, "already_submitted")


def test_evidence_captured_in_time_is_declared_in_the_grace_period_and_its_photos_follow(
    db, claim, tus
):
    claimed = claim()
    with db.transaction() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == claimed.assignment_id)
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=50))
        )
    worker = tus(claimed.headers)
    captured = (datetime.now(UTC) - timedelta(minutes=55)).isoformat()
    body = worker.declare(claimed.assignment_id, declaration(PHOTOS, captured_at=captured)).json
    # The grace period ends ten minutes later; photos on a slow network take longer.
    with db.transaction() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == claimed.assignment_id)
            .values(expires_at=datetime.now(UTC) - timedelta(hours=3))
        )
    for upload, photo in zip(body["uploads"], PHOTOS, strict=True):
        worker.send(upload["url"], photo)
    assert read(db, Submission, body["submission_id"]).status == "received"


def test_the_sweep_accepts_finished_bytes_and_abandons_what_expired(app, db, claim, tus):
    store = app_store(app)
    _c, _worker, whole = declared(claim, tus, photos=PHOTOS[:1])
    # Every byte in, but the process died before accepting them.
    upload_id = whole["uploads"][0]["id"]
    store.append_partial(
        upload_id, offset=0, chunk=_Bytes(PHOTOS[0]), limit=len(PHOTOS[0]), wait_s=1
    )
    late, late_worker, stalled = declared(claim, tus)
    late_worker.patch(stalled["uploads"][0]["url"], 0, PHOTOS[0][:3000])
    with db.transaction() as session:
        session.execute(
            update(Upload)
            .where(Upload.submission_id == stalled["submission_id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with app.app_context():
        from workers.uploads import sweep

        assert sweep.apply().get() == {"finished": 1, "abandoned": 1}
        assert sweep.apply().get() == {"finished": 0, "abandoned": 0}  # idempotent
    assert read(db, Submission, whole["submission_id"]).status == "received"
    assert read(db, Submission, stalled["submission_id"]).status == "abandoned"
    assert read(db, Assignment, late.assignment_id).status == "expired"
    assert read(db, Mission, late.mission_id).status == "open"  # someone else may do it
    assert partials_left(app) == []
    gone = late_worker.head(stalled["uploads"][0]["url"])
    assert gone.status_code == 410
    with db.transaction(write=False) as session:
        assert session.scalars(select(Photo.submission_id)).all() == [whole["submission_id"]]


def _abandon(app, db, submission_id):
    with db.transaction() as session:
        session.execute(
            update(Upload)
            .where(Upload.submission_id == submission_id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with app.app_context():
        from workers.uploads import sweep

        assert sweep.apply().get()["abandoned"] == 1


def test_photos_of_an_abandoned_submission_are_deleted_unless_evidence_elsewhere(
    app, db, claim, tus
):
    store = app_store(app)
    _c, worker, body = declared(claim, tus)
    worker.send(body["uploads"][0]["url"], PHOTOS[0])  # arrived; the second never does
    _c2, other, shared = declared(claim, tus, photos=PHOTOS[1:])
    worker.send(body["uploads"][1]["url"], PHOTOS[1][:5000])
    other.send(shared["uploads"][0]["url"], PHOTOS[1])  # someone else's evidence, complete
    _abandon(app, db, body["submission_id"])
    first, second = (hashlib.sha256(p).hexdigest() for p in PHOTOS)
    assert not holds(store, first)  # the abandoned submission's photo is gone
    assert holds(store, second)  # the other submission's photo stays
    assert partials_left(app) == []


def test_erasure_clears_resumable_uploads_too(app, client, db, claim, tus):
    claimed, worker, body = declared(claim, tus)
    worker.send(body["uploads"][0]["url"], PHOTOS[0][:7000])
    _abandon(app, db, body["submission_id"])
    exported = client.get("/api/v1/me/export", headers=claimed.headers).json
    (submission,) = exported["submissions"]
    assert submission["status"] == "abandoned"
    assert [(u["position"], u["size"], u["completed_at"]) for u in submission["uploads"]] == [
        (0, len(PHOTOS[0]), None),
        (1, len(PHOTOS[1]), None),
    ]
    erased = client.delete("/api/v1/me", headers=claimed.headers)
    assert erased.status_code == 200, erased.json
    digests = [hashlib.sha256(p).hexdigest() for p in PHOTOS]
    for table, text in stored_values(db):
        assert not any(d in text for d in digests), f"a photo digest left in {table}"
    assert stored_names(app) == []


def test_a_worker_with_photos_on_the_way_is_not_erased_yet(claim, tus, client):
    claimed, _worker, _body = declared(claim, tus)
    response = client.delete("/api/v1/me", headers=claimed.headers)
    assert (response.status_code, response.json["code"]) == (409, "submissions_pending")


@pytest.mark.local_store("a lock on the partial file; the bucket's is in tests/storage")
def test_one_writer_per_upload_at_a_time(app, claim, tus):
    _c, _worker, body = declared(claim, tus)
    store = LocalPhotoStore(app.config["PHOTO_DIR"])
    upload_id = body["uploads"][0]["id"]
    waiting = _Bytes(b"x" * 10)

    class Second:
        def read(self, size):
            # While the first chunk is mid-way, a retry of it arrives in another request.
            assert service.receive_chunk(
                upload=_state(app, upload_id, store),
                offset=0,
                size=10,
                chunk=waiting,
                store=store,
                wait_s=0.1,
            )

        def accept(self):
            return True

    with pytest.raises(service.Locked):
        store.append_partial(upload_id, offset=0, chunk=Second(), limit=100, wait_s=1)


class _Bytes:
    def __init__(self, data):
        self.data = data

    def read(self, size):
        chunk, self.data = self.data[:size], self.data[size:]
        return chunk

    def accept(self):
        return True


def _state(app, upload_id, store):
    from backend.db import get_db
    from backend.kernel.clock import utcnow

    with app.app_context(), get_db().transaction(write=False) as session:
        worker_id = session.scalar(
            select(Submission.worker_id)
            .join(Upload, Upload.submission_id == Submission.id)
            .where(Upload.id == upload_id)
        )
        return service.upload_state(
            db_session=session, upload_id=upload_id, worker_id=worker_id, store=store, now=utcnow()
        )


@pytest.mark.local_store("a piece in a bucket appears whole or not at all: nothing to wait for")
def test_asking_for_the_offset_waits_for_a_chunk_still_being_written(app, claim, tus):
    _c, worker, body = declared(claim, tus)
    store = LocalPhotoStore(app.config["PHOTO_DIR"])
    upload = body["uploads"][0]
    asked = {}

    class Slow:
        """A cut request the server is still writing when the phone asks where it stands."""

        def __init__(self):
            self.parts = [PHOTOS[0][:1000], PHOTOS[0][1000:3000]]

        def read(self, size):
            if len(self.parts) == 1:  # mid-chunk: another request asks for the offset
                thread = threading.Thread(
                    target=lambda: asked.setdefault("offset", worker.head(upload["url"]))
                )
                thread.start()
                time.sleep(0.3)
                asked["thread"] = thread
            return self.parts.pop(0) if self.parts else b""

        def accept(self):
            return True

    store.append_partial(upload["id"], offset=0, chunk=Slow(), limit=upload["size"], wait_s=1)
    asked["thread"].join()
    assert asked["offset"].headers["Upload-Offset"] == "3000"


def test_a_chunk_kept_after_its_upload_was_finished_meanwhile_is_dropped(app, claim, tus):
    """A duplicate chunk that read the upload's state before another request finished it,
    and wrote its piece after the pieces were discarded: the piece would follow nothing."""
    _c, worker, body = declared(claim, tus)
    upload_id, url, photo = body["uploads"][0]["id"], body["uploads"][0]["url"], PHOTOS[0]
    stale = _state(app, upload_id, app_store(app))
    assert worker.send(url, photo, chunk=len(photo)).status_code == 204
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "upload_state", lambda **_: stale)
        duplicate = worker.patch(url, 0, photo[:1000])
    assert duplicate.status_code == 409
    assert duplicate.json["code"] == "offset_mismatch"
    assert partials_left(app) == []
    assert worker.head(url).headers["Upload-Offset"] == str(len(photo))


def test_the_last_chunk_finding_its_upload_finished_by_the_sweep_is_a_conflict(app, claim, tus):
    _c, worker, body = declared(claim, tus, photos=PHOTOS[:1])
    url, photo = body["uploads"][0]["url"], PHOTOS[0]
    worker.patch(url, 0, photo[:1000])
    store_type = type(app_store(app))
    put_partial = store_type.put_partial
    swept = []

    def finished_by_the_sweep(store, upload_id, **kwargs):
        if not swept:  # the sweep stores and accepts the same bytes, then drops the pieces
            from workers.uploads import sweep

            swept.append("sweeping")
            swept.append(sweep.apply().get())
        return put_partial(store, upload_id, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_type, "put_partial", finished_by_the_sweep)
        last = worker.patch(url, 1000, photo[1000:])
    assert swept == ["sweeping", {"finished": 1, "abandoned": 0}]
    assert last.status_code == 409
    assert last.json["code"] == "offset_mismatch"
    assert worker.head(url).headers["Upload-Offset"] == str(len(photo))
    assert partials_left(app) == []
