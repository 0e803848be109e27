"""Photos in a browser: signed links that need no header, checked at each use, and the
smaller copies (review size, thumbnail) made once, without metadata, cached by ETag."""

from __future__ import annotations

import csv
import io
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select, update

from backend.missions.models import Mission
from backend.outbox.models import OutboxMessage
from backend.storage import photo_store
from backend.submissions.models import Submission
from backend.uploads.service import delete_orphaned_photos
from backend.urls import photo_url
from backend.validation import sampling
from tests.support.factories import UserFactory
from tests.support.photo_links import joined, make_variants_now, parts, signed_at
from tests.support.photos import jpeg, shelf
from tests.support.review import reject
from tests.support.stores import stored_names
from tests.support.submitting import honest_payload, submit, validate_now

GPS_IFD = 0x8825
LINK_PARTS = ("variant", "viewer", "expires", "signature")


def gps_photo(seed: int, width: int = 2400, height: int = 1800) -> bytes:
    """A shelf photo larger than the review size, whose EXIF says where it was taken."""
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (50.0, 50.0, 48.0), 3: "E", 4: (4.0, 21.0, 9.0)})
    return jpeg(shelf(width, height, seed=seed), exif=exif)


def image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def derived_names(app: Any, sha256: str) -> list[str]:
    """The names of the copies made from a photo, in whichever store the app has."""
    return [n for n in stored_names(app) if n.startswith("derived/") and n.endswith(sha256)]


def unknown_photo(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    """What a photo that does not exist answers: every refused link must answer the same."""
    response = client.get(f"/api/v1/photos/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    body: dict[str, Any] = response.json
    return body


@pytest.fixture
def sent(app, client, db, make, auth_headers, claim):
    """sent(photos): a submission waiting in review; its id, the worker's photo objects, the
    worker's and an admin's headers."""

    def do(photos: list[bytes]) -> dict[str, Any]:
        claimed = claim(review_required=True)
        response = submit(client, claimed, photos, honest_payload())
        assert response.status_code == 202, response.json
        submission_id = response.json["submission_id"]
        validate_now(app, db, submission_id)
        shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
        assert shown["status"] == "in_review"
        admin = make(UserFactory, admin=True)
        return {
            "id": submission_id,
            "photos": shown["photos"],
            "claimed": claimed,
            "admin": admin,
            "admin_headers": auth_headers(admin),
        }

    return do


def test_every_photo_object_carries_three_links_signed_for_whoever_asked(client, sent):
    original = gps_photo(seed=301)
    waiting = sent([original])
    worker = waiting["claimed"].worker
    (photo,) = waiting["photos"]
    for key, variant in (("url", "full"), ("review_url", "review"), ("thumbnail_url", "thumb")):
        path, query = parts(photo[key])
        assert path == f"/api/v1/photos/{photo['id']}"
        assert (query["variant"], query["viewer"]) == (variant, worker.id)
        assert set(query) == set(LINK_PARTS)
    # The review queue signs the same photo for the admin reading it.
    queue = client.get("/api/v1/review/queue", headers=waiting["admin_headers"]).json
    (item,) = [i for i in queue["items"] if i["id"] == waiting["id"]]
    assert parts(item["photos"][0]["thumbnail_url"])[1]["viewer"] == waiting["admin"].id

    # No header at all: the worker gets the photo as taken, the smaller sizes without GPS.
    full = client.get(photo["url"])
    assert full.status_code == 200, full.json
    assert full.data == original
    assert full.headers["Content-Type"] == "image/jpeg"
    review = client.get(photo["review_url"])
    assert review.status_code == 200
    assert max(image(review.data).size) == 1600
    assert client.get(item["photos"][0]["thumbnail_url"]).status_code == 200


@pytest.mark.local_store("the API's caching; with a bucket, the presigned URL's life is tested")
def test_a_signed_answer_is_cached_for_the_life_left_in_its_link(client, sent):
    (photo,) = sent([gps_photo(seed=302)])["photos"]
    response = client.get(photo["thumbnail_url"])
    directive, max_age = response.headers["Cache-Control"].split(", max-age=")
    expires = int(parts(photo["thumbnail_url"])[1]["expires"])
    assert directive == "private"
    assert 0 < int(max_age) <= expires - time.time() + 1
    assert 900 <= expires - time.time() + 5 <= 990 + 5  # FAIRFIELD_PHOTO_LINK_TTL_SECONDS


def test_a_link_with_any_part_altered_answers_as_a_photo_that_does_not_exist(client, sent):
    waiting = sent([gps_photo(seed=303), gps_photo(seed=304)])
    first, second = waiting["photos"]
    path, query = parts(first["url"])
    other_viewer = waiting["admin"].id  # who may see the photo too, with a link of their own
    altered = {
        "photo": joined(f"/api/v1/photos/{second['id']}", query),
        "variant": joined(path, query | {"variant": "thumb"}),
        "viewer": joined(path, query | {"viewer": other_viewer}),
        "expires": joined(path, query | {"expires": str(int(query["expires"]) + 1)}),
        "signature": joined(path, query | {"signature": query["signature"][::-1]}),
        "variant unknown": joined(path, query | {"variant": "huge"}),
        "expires not a number": joined(path, query | {"expires": "soon"}),
    }
    nothing = unknown_photo(client, waiting["admin_headers"])
    assert client.get(first["url"]).status_code == 200  # as it was handed out
    for part, url in altered.items():
        response = client.get(url)
        assert response.status_code == 404, part
        assert response.mimetype == "application/problem+json", part
        assert response.json == nothing, part  # no id, no hint which part was wrong


def test_a_link_answers_404_once_expired(app, client, sent):
    waiting = sent([gps_photo(seed=305)])
    photo_id, worker = waiting["photos"][0]["id"], waiting["claimed"].worker
    # Made an hour ago to live a minute: the clock is the link's own, in the test's hands.
    expired = signed_at(app, photo_id, viewer_id=worker.id, now=time.time() - 3600, ttl_seconds=60)
    fresh = signed_at(app, photo_id, viewer_id=worker.id, now=time.time(), ttl_seconds=60)
    assert client.get(fresh).status_code == 200
    response = client.get(expired)
    assert response.status_code == 404
    assert response.json == unknown_photo(client, waiting["admin_headers"])


def test_a_brand_s_link_works_only_while_its_submission_stays_approved(
    app, client, db, make, auth_headers, sent
):
    waiting = sent([gps_photo(seed=306)])
    photo_id = waiting["photos"][0]["id"]
    brand_user = make(UserFactory, role="brand", brand=waiting["claimed"].brand)
    with app.test_request_context():
        link = photo_url(photo_id, viewer_id=brand_user.id)  # as the brand would be handed one
    assert client.get(link).status_code == 404  # in review: the brand sees nothing yet
    approved = client.post(
        f"/api/v1/submissions/{waiting['id']}/decision",
        json={"decision": "approve"},
        headers=waiting["admin_headers"],
    )
    assert approved.status_code == 200, approved.json
    copy = client.get(link)
    assert copy.status_code == 200
    assert GPS_IFD not in image(copy.data).getexif()  # the brand's copy, not the original
    listed = client.get(f"/api/v1/submissions/{waiting['id']}", headers=auth_headers(brand_user))
    assert parts(listed.json["photos"][0]["url"])[1]["viewer"] == brand_user.id

    # No decision moves an approval back; should a submission leave `approved` all the same,
    # the rule is read again at each use and the brand's link stops working.
    with db.transaction() as session:
        session.execute(
            update(Submission).where(Submission.id == waiting["id"]).values(status="rejected")
        )
    assert client.get(link).status_code == 404
    assert client.get(listed.json["photos"][0]["thumbnail_url"]).status_code == 404


def test_a_brand_member_s_links_stop_when_they_are_removed_from_the_organisation(
    app, client, sent, make, auth_headers
):
    waiting = sent([gps_photo(seed=312)])
    owner = make(UserFactory, role="brand", brand=waiting["claimed"].brand)
    member = make(UserFactory, role="brand", brand=waiting["claimed"].brand)
    approved = client.post(
        f"/api/v1/submissions/{waiting['id']}/decision",
        json={"decision": "approve"},
        headers=waiting["admin_headers"],
    )
    assert approved.status_code == 200, approved.json
    shown = client.get(f"/api/v1/submissions/{waiting['id']}", headers=auth_headers(member))
    links = [shown.json["photos"][0][key] for key in ("url", "thumbnail_url")]
    assert [client.get(link).status_code for link in links] == [200, 200]
    removed = client.delete(
        f"/api/v1/organisation/members/{member.id}", headers=auth_headers(owner)
    )
    assert removed.status_code == 204
    # Their tokens stopped at once; the links they were handed stop with them.
    assert [client.get(link).status_code for link in links] == [404, 404]


def test_every_link_to_an_erased_photo_answers_404_and_its_copies_are_gone(app, client, db, sent):
    waiting = sent([gps_photo(seed=307)])
    photo, claimed = waiting["photos"][0], waiting["claimed"]
    queue = client.get("/api/v1/review/queue", headers=waiting["admin_headers"]).json
    (item,) = [i for i in queue["items"] if i["id"] == waiting["id"]]
    admin_link = item["photos"][0]["review_url"]
    assert make_variants_now(app, db, waiting["id"]) == 2
    assert client.get(photo["thumbnail_url"]).status_code == 200
    assert client.get(admin_link).status_code == 200
    copies = derived_names(app, photo["sha256"])
    assert len(copies) == 2  # review size and thumbnail

    reject(client, waiting["admin_headers"], waiting["id"])  # nothing owed: erasure may go on
    erased = client.delete("/api/v1/me", headers=claimed.headers)
    assert erased.status_code == 200, erased.json
    for url in (photo["url"], photo["review_url"], photo["thumbnail_url"]):
        assert client.get(url).status_code == 404  # the viewer's account is gone
    gone = client.get(admin_link)  # an admin may still see the row, not the image
    assert (gone.status_code, gone.json["code"]) == (404, "photo_erased")
    assert derived_names(app, photo["sha256"]) == []


@pytest.mark.local_store("reads the copies' files and their inodes")
def test_the_smaller_sizes_are_smaller_carry_no_metadata_and_are_made_once(app, client, db, sent):
    original = gps_photo(seed=308)
    waiting = sent([original])
    (photo,) = waiting["photos"]
    root = Path(app.config["PHOTO_DIR"]) / "derived"
    assert make_variants_now(app, db, waiting["id"]) == 2
    made = {kind: root / kind / photo["sha256"][:2] / photo["sha256"][2:4] / photo["sha256"]
            for kind in ("review", "thumb")}  # fmt: skip
    stamps = {kind: (path.stat().st_ino, path.stat().st_mtime_ns) for kind, path in made.items()}
    assert max(image(made["review"].read_bytes()).size) == 1600
    assert image(made["thumb"].read_bytes()).size == (320, 240)
    for kind, path in made.items():
        data = path.read_bytes()
        assert len(data) < len(original), kind
        assert not image(data).getexif(), kind  # no EXIF at all, GPS or other
        assert b"Exif" not in data, kind

    # Served from what the task made; neither a second run nor a request writes them again.
    served = client.get(photo["thumbnail_url"])
    assert served.data == made["thumb"].read_bytes()
    from workers.photos import make_photo_variants

    with app.app_context():
        assert make_photo_variants.apply(args=[waiting["id"]], throw=True).get() == 0
    assert {k: (p.stat().st_ino, p.stat().st_mtime_ns) for k, p in made.items()} == stamps


def _copy_messages(db: Any, submission_id: str) -> int:
    """How many messages ask for the smaller copies of a submission's photos."""
    with db.transaction(write=False) as session:
        messages = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.task_name == "submissions.make_photo_variants"
            )
        ).all()
    return sum(m.args == [submission_id] for m in messages)


@pytest.mark.parametrize(
    ("review_required", "draw", "status", "copies"),
    [
        (True, 0.99, "in_review", 1),  # an admin will open it
        (False, 0.0, "approved", 1),  # drawn for the audit sample: an admin will open it
        (False, 0.99, "approved", 0),  # nobody reviews it: sizes made on a first request
    ],
)
def test_the_smaller_copies_are_asked_for_after_the_decision_for_what_an_admin_opens(
    app, client, db, claim, monkeypatch, review_required, draw, status, copies
):
    # Made before the decision, the copies took the CPU the photo checks needed: the decision
    # waited on copies no reviewer would ever open (most submissions are approved unseen).
    monkeypatch.setattr(sampling._draws, "random", lambda: draw)
    claimed = claim(review_required=review_required)
    response = submit(client, claimed, [gps_photo(seed=311)], honest_payload())
    assert response.status_code == 202, response.json
    submission_id = response.json["submission_id"]
    assert _copy_messages(db, submission_id) == 0
    validate_now(app, db, submission_id)
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
    assert shown["status"] == status
    assert _copy_messages(db, submission_id) == copies


def test_a_size_asked_for_before_the_task_ran_is_made_then(app, client, db, sent):
    waiting = sent([gps_photo(seed=309)])
    (photo,) = waiting["photos"]
    thumb = client.get(photo["thumbnail_url"])
    assert thumb.status_code == 200
    assert max(image(thumb.data).size) == 320
    # The task finds the thumbnail made and makes only the review size.
    assert make_variants_now(app, db, waiting["id"]) == 1
    assert client.get(photo["thumbnail_url"]).data == thumb.data


@pytest.mark.parametrize("key", ["url", "review_url", "thumbnail_url"])
@pytest.mark.local_store("the API's ETag; the bucket answers a presigned GET with its own")
def test_an_unchanged_image_answers_304_to_its_etag(client, sent, key):
    waiting = sent([gps_photo(seed=310)])
    url = waiting["photos"][0][key]
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    again = client.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    assert again.headers["ETag"] == etag
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    # A bearer request gets the same validator for the same bytes.
    path = parts(url)[0] + ("" if key == "url" else f"?variant={parts(url)[1]['variant']}")
    bearer = client.get(path, headers=waiting["claimed"].headers | {"If-None-Match": etag})
    assert bearer.status_code == 304


def test_a_bearer_request_keeps_working_and_may_ask_for_a_size(client, sent):
    waiting = sent([gps_photo(seed=311)])
    photo, headers = waiting["photos"][0], waiting["claimed"].headers
    path = f"/api/v1/photos/{photo['id']}"
    assert client.get(path).status_code == 401  # neither a token nor a signature
    assert client.get(path, headers=headers).data == client.get(photo["url"]).data
    thumb = client.get(path, headers=headers, query_string={"variant": "thumb"})
    assert max(image(thumb.data).size) == 320
    bad = client.get(path, headers=headers, query_string={"variant": "huge"})
    assert bad.status_code == 422
    assert "variant" in bad.json["errors"]
    # With a token, the request is answered as its user, whatever link it was sent to.
    stranger = client.get(photo["url"], headers=waiting["admin_headers"])
    assert stranger.status_code == 200


def test_exports_links_live_longer_than_an_answer_s(app, client, db, make, auth_headers, claim):
    claimed = claim()
    response = submit(client, claimed, [gps_photo(seed=312)], honest_payload())
    validate_now(app, db, response.json["submission_id"])  # approved by the machine
    brand = auth_headers(make(UserFactory, role="brand", brand=claimed.brand))
    with db.transaction(write=False) as session:
        campaign_id = session.get_one(Mission, claimed.mission_id).campaign_id
    base = f"/api/v1/campaigns/{campaign_id}/results"
    document = client.get(base, headers=brand).json
    (result,) = [i["result"] for i in document["items"] if i["result"]]
    table = client.get(base, headers=brand, query_string={"format": "csv"}).text
    (exported,) = {row["photo_urls"] for row in csv.DictReader(io.StringIO(table))}
    geo = client.get(base, headers=brand, query_string={"format": "geojson"}).get_json(force=True)
    (feature,) = [f for f in geo["features"] if f["properties"]["result"]]
    life = {
        "json": int(parts(result["photos"][0]["url"])[1]["expires"]) - time.time(),
        "csv": int(parts(exported)[1]["expires"]) - time.time(),
        "geojson": int(
            parts(feature["properties"]["result"]["photos"][0]["thumbnail_url"])[1]["expires"]
        )
        - time.time(),
    }
    assert 890 < life["json"] <= 995  # FAIRFIELD_PHOTO_LINK_TTL_SECONDS, 900
    for kind in ("csv", "geojson"):  # FAIRFIELD_EXPORT_LINK_TTL_SECONDS, 7 days
        assert 7 * 86400 - 10 < life[kind] <= 7.7 * 86400, kind
    assert client.get(exported).status_code == 200  # the brand's copy, no header


def test_the_orphan_sweep_keeps_a_named_photo_s_copies(app, client, db, sent):
    waiting = sent([gps_photo(seed=313)])
    (photo,) = waiting["photos"]
    make_variants_now(app, db, waiting["id"])
    copies = derived_names(app, photo["sha256"])
    with app.app_context(), db.transaction(write=False) as session:
        swept = delete_orphaned_photos(
            db_session=session, store=photo_store(), cutoff=time.time() + 60
        )
    assert swept == 0
    assert len(copies) == 2
    assert derived_names(app, photo["sha256"]) == copies


def test_the_document_describes_the_links_and_their_parameters(client):
    document = client.get("/openapi.json").json
    operation = document["paths"]["/api/v1/photos/{photo_id}"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert set(parameters) == set(LINK_PARTS)
    assert parameters["variant"]["schema"]["enum"] == ["full", "review", "thumb"]
    assert "HMAC-SHA256" in parameters["signature"]["description"]
    assert {"200", "304", "401", "404"} <= set(operation["responses"])
    schemas = document["components"]["schemas"]
    for name in ("PhotoOut", "PhotoBrief", "ExportPhotoOut", "ResultsPhotoOut"):
        assert {"url", "review_url", "thumbnail_url"} <= set(schemas[name]["properties"]), name


def test_an_orphaned_photo_goes_with_its_copies(tmp_path):
    from backend.storage import LocalPhotoStore
    from backend.submissions.photos import make_variants

    store = LocalPhotoStore(tmp_path / "photos")
    stored = store.put(io.BytesIO(gps_photo(seed=314)), max_bytes=10**8)
    assert make_variants(store=store, digests=[stored.sha256], max_pixels=10**8) == 2
    assert list(store.stored_before(time.time() + 60)) == [stored.sha256]  # copies not listed
    assert store.delete_unless_rewritten(stored.sha256, cutoff=time.time() + 60)
    assert [p for p in (tmp_path / "photos").rglob("*") if p.is_file()] == []


def test_photo_url_signs_for_the_request_s_user_unless_told_otherwise(app):
    from flask import g

    with app.test_request_context():
        g.user_id = "viewer-1"
        path, query = parts(photo_url("p1"))
        assert (path, query["variant"], query["viewer"]) == (
            "/api/v1/photos/p1",
            "full",
            "viewer-1",
        )
        told = parts(photo_url("p1", variant="thumb", viewer_id="viewer-2", ttl_seconds=86400))[1]
        assert (told["variant"], told["viewer"]) == ("thumb", "viewer-2")
        assert 86400 <= int(told["expires"]) - time.time() <= 1.1 * 86400
