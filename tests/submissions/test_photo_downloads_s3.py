"""With photos in a bucket, a photo link answers 302 to a presigned URL of the bucket, after
the same checks as ever, and that URL lives no longer than the link."""

from __future__ import annotations

import io
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from PIL import Image

from tests.support.factories import UserFactory
from tests.support.photo_links import parts, signed_at
from tests.support.photos import with_gps
from tests.support.submitting import honest_payload, submit, validate_now

HERE = (50.84683, 4.35297)
GPS_IFD = 0x8825


@pytest.fixture(autouse=True)
def photos_in_a_bucket(app_config, s3_settings):
    app_config.update(s3_settings)


@pytest.fixture
def raw(app):
    """A client that shows the redirect itself rather than following it."""
    return FlaskClient(app, app.response_class, use_cookies=False)


def submitted(app, db, client, claim, *, review_required: bool):
    claimed = claim(review_required=review_required)
    photo = with_gps(*HERE, seed=171)
    sent = submit(client, claimed, [photo], honest_payload(latitude=HERE[0], longitude=HERE[1]))
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])
    shown = client.get(f"/api/v1/submissions/{sent.json['submission_id']}", headers=claimed.headers)
    return claimed, photo, shown.json["photos"][0] | {"submission_id": shown.json["id"]}


def fetched(location: str) -> bytes:
    with urllib.request.urlopen(location) as answer:  # noqa: S310 (the test S3 server)
        assert answer.headers["Content-Type"] == "image/jpeg"
        data: bytes = answer.read()
        return data


def test_a_photo_link_redirects_to_the_bucket_for_no_longer_than_the_link_lives(
    app, db, client, raw, claim, s3_settings
):
    claimed, original, photo = submitted(app, db, client, claim, review_required=False)
    digest = photo["sha256"]
    for key, object_key in (
        ("url", f"{digest[:2]}/{digest[2:4]}/{digest}"),
        ("review_url", f"derived/review/{digest[:2]}/{digest[2:4]}/{digest}"),
        ("thumbnail_url", f"derived/thumb/{digest[:2]}/{digest[2:4]}/{digest}"),
    ):
        response = raw.get(photo[key])  # no header: the signed link speaks for the worker
        assert response.status_code == 302, key
        assert response.headers["Cache-Control"] == "no-store"
        location = response.headers["Location"]
        split = urlsplit(location)
        assert location.startswith(f"{s3_settings['S3_ENDPOINT_URL']}/")
        assert split.path == f"/{s3_settings['S3_BUCKET']}/{object_key}", key
        lives = int(parse_qs(split.query)["X-Amz-Expires"][0])
        assert 0 < lives <= int(parts(photo[key])[1]["expires"]) - time.time() + 1
        data = fetched(location)
        if key == "url":
            assert data == original  # the worker's photo, byte for byte
        else:
            assert not Image.open(io.BytesIO(data)).getexif()  # smaller copies: no metadata

    # A link about to expire makes a presigned URL about to expire.
    brief = signed_at(app, photo["id"], viewer_id=claimed.worker.id, now=time.time(), ttl_seconds=5)
    location = raw.get(brief).headers["Location"]
    assert int(parse_qs(urlsplit(location).query)["X-Amz-Expires"][0]) <= 5


def test_an_expired_or_altered_link_answers_as_before_and_redirects_nowhere(
    app, db, client, raw, claim
):
    claimed, _original, photo = submitted(app, db, client, claim, review_required=False)
    expired = signed_at(
        app, photo["id"], viewer_id=claimed.worker.id, now=time.time() - 2000, ttl_seconds=900
    )
    for link in (expired, photo["url"].replace("signature=", "signature=0")):
        response = raw.get(link)
        assert response.status_code == 404
        assert "Location" not in response.headers


def test_a_brand_is_sent_to_its_copy_without_location_and_only_once_approved(
    app, db, client, raw, make, auth_headers, claim
):
    claimed, original, photo = submitted(app, db, client, claim, review_required=True)
    brand = auth_headers(make(UserFactory, role="brand", brand=claimed.brand))
    hidden = raw.get(f"/api/v1/photos/{photo['id']}", headers=brand)
    assert hidden.status_code == 404  # in review: the brand sees nothing yet
    assert "Location" not in hidden.headers

    admin = auth_headers(make(UserFactory, admin=True))
    decided = client.post(
        f"/api/v1/submissions/{photo['submission_id']}/decision",
        json={"decision": "approve", "comment": "Every product in the photo."},
        headers=admin,
    )
    assert decided.status_code == 200, decided.json
    response = raw.get(f"/api/v1/photos/{photo['id']}", headers=brand)
    assert response.status_code == 302
    assert "/derived/brand/" in response.headers["Location"]
    copy = fetched(response.headers["Location"])
    assert copy != original
    assert not Image.open(io.BytesIO(copy)).getexif().get_ifd(GPS_IFD)
    assert Image.open(io.BytesIO(copy)).size == Image.open(io.BytesIO(original)).size
    # The worker, on the same photo, is sent to the original.
    mine = raw.get(f"/api/v1/photos/{photo['id']}", headers=claimed.headers)
    assert fetched(mine.headers["Location"]) == original
