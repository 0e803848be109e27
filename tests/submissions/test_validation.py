"""Validation, run as the worker runs it: each check with its numbers, one decision each."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select, update

from backend import create_app
from backend.config import BadSetting
from backend.missions.models import Assignment, Mission
from backend.submissions.models import Decision, Photo, Submission
from backend.validation import reuse
from tests.support.factories import BrandFactory, UserFactory
from tests.support.photos import (
    blurred,
    dark,
    jpeg,
    shelf,
    with_dimensions,
    with_exif_time,
    with_gps,
)
from tests.support.stores import stored_contents
from tests.support.submitting import BRUSSELS, honest_payload, submit, validate_now


def send(app, client, db, claimed, photos, payload=None):
    response = submit(client, claimed, photos, payload)
    assert response.status_code == 202, response.json
    submission_id = response.json["submission_id"]
    validate_now(app, db, submission_id)
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers)
    assert shown.status_code == 200
    return shown.json


def failing(shown):
    return sorted({c["name"] for c in shown["checks"] if not c["passed"]})


def check(shown, name, photo=None):
    (found,) = [
        c
        for c in shown["checks"]
        if c["name"] == name and (photo is None or c["detail"].get("photo") == photo)
    ]
    return found


def test_an_honest_submission_is_approved_with_its_evidence(app, client, db, claim):
    claimed = claim()
    shown = send(app, client, db, claimed, [jpeg(shelf(seed=1)), jpeg(shelf(seed=2))])
    assert shown["status"] == "approved", failing(shown)
    assert shown["decision"]["status"] == "approved"
    assert shown["decision"]["actor"] == "machine"
    location = check(shown, "location")["detail"]
    assert 15 < location["distance_m"] < 30
    assert location["geofence_m"] == 150
    assert check(shown, "sharpness", photo=1)["detail"]["minimum"] == 40.0
    assert {"reuse", "travel_speed", "answers_complete", "captured_in_window"} <= {
        c["name"] for c in shown["checks"]
    }
    with db.transaction(write=False) as session:
        assert session.get_one(Mission, claimed.mission_id).status == "completed"
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
        assert None not in session.scalars(select(Photo.phash)).all()


def test_a_submission_from_3_km_away_is_not_approved(app, client, db, claim):
    claimed = claim()
    far = honest_payload(latitude=BRUSSELS[0] + 0.027)  # 3 km north
    shown = send(app, client, db, claimed, [jpeg(shelf())], far)
    assert shown["status"] == "in_review"
    assert failing(shown) == ["location"]
    detail = check(shown, "location")["detail"]
    assert 2900 < detail["distance_m"] < 3100
    assert shown["decision"]["flags"] == ["location"]


def test_the_same_photo_in_a_second_submission_is_rejected_as_reused(app, client, db, claim):
    photo = jpeg(shelf(seed=5))
    first = send(app, client, db, claim(), [photo])
    second = send(app, client, db, claim(), [jpeg(shelf(seed=6)), photo])
    assert first["status"] == "approved"
    assert second["status"] == "rejected"
    assert second["decision"]["reasons"] == ["reused_photo"]
    (match,) = check(second, "reuse")["detail"]["matches"]
    assert match["photo"] == 1
    assert match["exact"] is True
    assert match["submission_id"] == first["id"]
    assert match["photo_id"] == first["photos"][0]["id"]


def test_a_re_encoded_copy_is_caught_by_its_perceptual_hash(app, client, db, claim):
    original = shelf(seed=7)
    first = send(app, client, db, claim(), [jpeg(original)])
    out = io.BytesIO()
    original.resize((1400, 1050)).save(out, "JPEG", quality=70)
    second = send(app, client, db, claim(), [out.getvalue()])
    assert first["status"] == "approved"
    assert second["status"] == "rejected"
    (match,) = check(second, "reuse")["detail"]["matches"]
    assert match["exact"] is False
    assert match["hamming"] <= 4


def test_two_shelves_photographed_separately_are_not_reuse(app, client, db, claim):
    send(app, client, db, claim(), [jpeg(shelf(seed=8))])
    second = send(app, client, db, claim(), [jpeg(shelf(seed=9))])
    assert second["status"] == "approved"


def test_a_blurred_and_a_dark_photo_go_to_review_with_their_checks_failing(app, client, db, claim):
    shown = send(app, client, db, claim(), [blurred(seed=10), dark(seed=11)])
    assert shown["status"] == "in_review"
    assert failing(shown) == ["exposure", "sharpness"]
    assert check(shown, "sharpness", photo=0)["detail"]["laplacian_variance"] < 40
    assert check(shown, "exposure", photo=1)["detail"]["mean_luminance"] < 40
    assert shown["decision"]["flags"] == ["exposure", "sharpness"]


def test_no_usable_photo_is_rejected_with_the_evidence(app, client, db, claim):
    truncated = jpeg(shelf(seed=12))
    truncated = truncated[: len(truncated) // 2]
    bomb = with_dimensions(jpeg(shelf(320, 240, seed=13)), 65_000, 65_000)
    shown = send(app, client, db, claim(), [truncated, bomb])
    assert shown["status"] == "rejected"
    assert shown["decision"]["reasons"] == ["no_usable_photo"]
    assert check(shown, "decodes", photo=0)["passed"] is False
    assert check(shown, "pixels", photo=1)["detail"]["pixels"] == 65_000 * 65_000


def test_an_implied_speed_above_200_kmh_is_flagged(app, client, db, make, claim):
    worker = make(UserFactory)
    now = datetime.now(UTC)
    send(app, client, db, claim(worker), [jpeg(shelf(seed=14))])
    antwerp = (51.2194, 4.4025)  # 42 km from Brussels
    payload = honest_payload(
        latitude=antwerp[0],
        longitude=antwerp[1],
        captured_at=(now + timedelta(minutes=5)).isoformat(),
    )
    shown = send(app, client, db, claim(worker, at=antwerp), [jpeg(shelf(seed=15))], payload)
    assert shown["status"] == "in_review"
    assert failing(shown) == ["travel_speed"]
    assert check(shown, "travel_speed")["detail"]["speed_kmh"] > 200


def test_unknown_or_missing_products_are_a_doubt(app, client, db, claim):
    payload = honest_payload(answers=[{"sku": "NOPE", "count": 3, "out_of_stock": False}])
    shown = send(app, client, db, claim(), [jpeg(shelf(seed=16))], payload)
    assert shown["status"] == "in_review"
    detail = check(shown, "answers_complete")["detail"]
    assert (detail["missing"], detail["unknown"]) == (["PAD-1", "PAD-2"], ["NOPE"])


def test_validation_runs_once_whatever_the_redelivery(app, client, db, claim):
    claimed = claim()
    response = submit(client, claimed, [jpeg(shelf(seed=17))])
    submission_id = response.json["submission_id"]
    validate_now(app, db, submission_id)
    validate_now(app, db, submission_id)  # the same message again: already done
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 1
        assert session.get_one(Submission, submission_id).status == "approved"


def test_who_sees_a_submission(app, client, db, make, auth_headers, claim):
    claimed = claim()
    shown = send(app, client, db, claimed, [jpeg(shelf(seed=18))])
    url = f"/api/v1/submissions/{shown['id']}"
    brand_user = make(UserFactory, role="brand", brand=claimed.brand)
    other_brand = make(UserFactory, brand_user=True)
    other_worker = make(UserFactory)
    admin = make(UserFactory, admin=True)
    as_brand = client.get(url, headers=auth_headers(brand_user))
    assert as_brand.status_code == 200
    # The brand learns whether the worker was at its store, not where the worker was.
    assert (as_brand.json["latitude"], as_brand.json["longitude"]) == (None, None)
    assert check(as_brand.json, "travel_speed")["detail"] == {}
    assert check(as_brand.json, "location")["detail"]["distance_m"] > 0
    assert client.get(url, headers=auth_headers(admin)).json["latitude"] == shown["latitude"]
    assert client.get(url, headers=auth_headers(other_brand)).status_code == 404
    assert client.get(url, headers=auth_headers(other_worker)).status_code == 404


def test_brands_get_photos_without_location_and_others_nothing(
    app, client, db, make, auth_headers, claim
):
    claimed = claim()
    original = with_gps(*BRUSSELS, seed=19)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # GPS was there
    shown = send(app, client, db, claimed, [original])
    url = shown["photos"][0]["url"]
    own = client.get(url, headers=claimed.headers)
    assert own.status_code == 200
    assert own.data == original  # the worker gets what they sent
    brand_user = make(UserFactory, role="brand", brand=claimed.brand)
    copy = client.get(url, headers=auth_headers(brand_user))
    assert copy.status_code == 200
    assert copy.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(copy.data))
    assert image.size == (1600, 1200)
    assert not image.getexif()
    assert "exif" not in image.info
    assert "xmp" not in image.info
    assert b"Exif\x00\x00" not in copy.data
    kept = stored_contents(app)
    assert [data for name, data in kept.items() if name.startswith("derived/brand/")] == [copy.data]
    again = client.get(url, headers=auth_headers(brand_user))
    assert again.data == copy.data  # made once, then served from storage
    for stranger in (make(UserFactory), make(UserFactory, brand_user=True)):
        assert client.get(url, headers=auth_headers(stranger)).status_code == 404


def test_a_brand_cannot_see_another_brands_photo_even_with_its_id(
    app, client, db, make, auth_headers, claim
):
    shown = send(app, client, db, claim(), [jpeg(shelf(seed=20))])
    other = make(UserFactory, role="brand", brand=make(BrandFactory))
    response = client.get(shown["photos"][0]["url"], headers=auth_headers(other))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def upload(client, claimed, photos):
    response = submit(client, claimed, photos)
    assert response.status_code == 202, response.json
    return response.json["submission_id"]


def statuses(db, *ids):
    with db.transaction(write=False) as session:
        return [session.get_one(Submission, i).status for i in ids]


def test_an_exact_copy_validated_before_its_original_is_still_the_one_rejected(
    app, client, db, claim
):
    photo = jpeg(shelf(seed=21))
    original = upload(client, claim(), [photo])
    copy = upload(client, claim(), [photo])
    validate_now(app, db, copy)  # out of order: the copy is validated first
    validate_now(app, db, original)
    assert statuses(db, original, copy) == ["approved", "rejected"]


def test_of_two_near_copies_validated_out_of_order_one_is_always_caught(app, client, db, claim):
    picture = shelf(seed=22)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=75)
    first = upload(client, claim(), [jpeg(picture)])
    second = upload(client, claim(), [out.getvalue()])
    validate_now(app, db, second)
    validate_now(app, db, first)
    assert sorted(statuses(db, first, second)) == ["approved", "rejected"]


def test_a_campaign_that_wants_a_person_sends_even_a_perfect_submission_to_review(
    app, client, db, claim
):
    shown = send(app, client, db, claim(review_required=True), [jpeg(shelf(seed=23))])
    assert shown["status"] == "in_review"
    assert failing(shown) == []
    assert shown["decision"]["flags"] == ["campaign_requires_review"]


def test_a_picture_merely_like_another_goes_to_a_person_not_to_rejection(app, client, db, claim):
    picture = shelf(seed=24)
    first = send(app, client, db, claim(), [jpeg(picture)])
    # The same shelf photographed again: here, the first photo's hash moved 6 bits away.
    with db.transaction() as session:
        photo = session.get_one(Photo, first["photos"][0]["id"])
        moved = reuse.to_unsigned(photo.phash) ^ 0b10_0000_0100_0000_1000_0001_0010_0001
        session.execute(
            update(Photo).where(Photo.id == photo.id).values(**reuse.index_values(moved))
        )
    second = send(app, client, db, claim(), [jpeg(picture, optimize=True)])
    assert second["status"] == "in_review"
    assert failing(second) == ["similar_photo"]
    (match,) = check(second, "similar_photo")["detail"]["matches"]
    assert (match["hamming"], match["exact"]) == (6, False)
    assert check(second, "reuse")["passed"] is True


def claimed_at(db, claimed, at: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            update(Assignment).where(Assignment.id == claimed.assignment_id).values(created_at=at)
        )


def test_a_photo_stamped_in_the_second_of_its_claim_is_approved(app, client, db, claim):
    # The claim at hh:mm:55.838, the photo stamped hh:mm:55 by a clock with an offset.
    claimed = claim()
    at = datetime.now(UTC).replace(microsecond=838_000) - timedelta(seconds=2)
    claimed_at(db, claimed, at)
    photo = with_exif_time(at.strftime("%Y:%m:%d %H:%M:%S"), seed=31)
    shown = send(app, client, db, claimed, [photo])
    assert shown["status"] == "approved", failing(shown)
    assert check(shown, "exif_time")["detail"]["clock_drift_minutes"] == 5
    six_before = with_exif_time((at - timedelta(minutes=6)).strftime("%Y:%m:%d %H:%M:%S"), seed=32)
    later = claim()
    claimed_at(db, later, at)
    shown = send(app, client, db, later, [six_before])
    assert shown["status"] == "in_review"
    assert failing(shown) == ["exif_time"]


@pytest.fixture
def no_drift(app_config):
    app_config["EXIF_CLOCK_DRIFT_MINUTES"] = 0


def test_the_clock_drift_margin_is_a_setting(no_drift, app, client, db, claim):
    claimed = claim()
    at = datetime.now(UTC).replace(microsecond=838_000) - timedelta(seconds=2)
    claimed_at(db, claimed, at)
    photo = with_exif_time(at.strftime("%Y:%m:%d %H:%M:%S"), seed=33)
    shown = send(app, client, db, claimed, [photo])
    assert shown["status"] == "in_review"
    assert failing(shown) == ["exif_time"]
    assert check(shown, "exif_time")["detail"]["clock_drift_minutes"] == 0


@pytest.mark.parametrize("bad", ["five", -1, "", 24 * 60])
def test_a_bad_clock_drift_setting_stops_the_app_at_start(app_config, bad):
    # Found only when a validation ran, it failed every one and left submissions stuck.
    with pytest.raises(BadSetting, match="FAIRFIELD_EXIF_CLOCK_DRIFT_MINUTES"):
        create_app({**app_config, "EXIF_CLOCK_DRIFT_MINUTES": bad})
