"""The hostile corpus over HTTP: every case a 4xx problem+json or a submission not approved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.submissions.models import Submission
from tests.submissions.hostile import ACCEPTED_FILES, REFUSED_FILES
from tests.support.photos import jpeg, shelf
from tests.support.stores import stored_names
from tests.support.submitting import honest_payload, submit, validate_now


def problem(response, status, field):
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json
    return response.json


def submissions(db):
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(Submission))


@pytest.mark.parametrize("name", list(REFUSED_FILES))
def test_files_that_are_not_jpegs_are_refused_and_nothing_is_kept(name, app, client, db, claim):
    make_file, status = REFUSED_FILES[name]
    response = submit(client, claim(), [jpeg(shelf()), make_file()])
    problem(response, status, "photos.1")
    assert submissions(db) == 0
    assert stored_names(app) == []


@pytest.mark.parametrize("name", list(ACCEPTED_FILES))
def test_hostile_jpegs_end_in_a_submission_not_approved(name, app, client, db, claim):
    make_file, failing_check = ACCEPTED_FILES[name]
    claimed = claim()
    response = submit(client, claimed, [make_file()])
    assert response.status_code == 202, response.json
    validate_now(app, db, response.json["submission_id"])
    shown = client.get(
        f"/api/v1/submissions/{response.json['submission_id']}", headers=claimed.headers
    ).json
    assert shown["status"] in ("rejected", "in_review")
    assert failing_check in {c["name"] for c in shown["checks"] if not c["passed"]}


def test_120_photos_in_one_request_are_refused(client, db, claim):
    photo = jpeg(shelf(200, 150))
    problem(submit(client, claim(), [photo] * 120), 422, "photos")
    assert submissions(db) == 0


def test_no_photo_is_refused(client, claim):
    problem(submit(client, claim(), []), 422, "photos")


def test_a_path_traversal_filename_is_never_used(app, client, claim, tmp_path):
    names = ["../../../../../../tmp/owned.jpg"]
    response = submit(client, claim(), [jpeg(shelf())], names=names)
    assert response.status_code == 202
    assert not Path("/tmp/owned.jpg").exists()
    stored = stored_names(app)
    assert len(stored) == 1
    assert len(stored[0].rsplit("/", 1)[-1]) == 64  # the content's sha256, nothing the client chose


PAYLOADS = {
    "not JSON": ("{outcome: completed", "payload"),
    "a JSON list": (json.dumps([1, 2]), "payload"),
    "latitude 200": (json.dumps(honest_payload(latitude=200)), "payload.latitude"),
    "NaN": (
        json.dumps(honest_payload()).replace('"accuracy_m": 8.0', '"accuracy_m": NaN'),
        "payload.accuracy_m",
    ),
    "negative count": (
        json.dumps(honest_payload(answers=[{"sku": "PAD-1", "count": -1, "out_of_stock": False}])),
        "payload.answers.0.count",
    ),
    "absurd count": (
        json.dumps(
            honest_payload(answers=[{"sku": "PAD-1", "count": 10**12, "out_of_stock": False}])
        ),
        "payload.answers.0.count",
    ),
    "count as text": (
        json.dumps(honest_payload(answers=[{"sku": "PAD-1", "count": "7", "out_of_stock": False}])),
        "payload.answers.0.count",
    ),
    "unknown outcome": (json.dumps(honest_payload(outcome="done")), "payload.outcome"),
    "garbage captured_at": (
        json.dumps(honest_payload(captured_at="yesterday")),
        "payload.captured_at",
    ),
    "captured_at without offset": (
        json.dumps(honest_payload(captured_at="2026-11-23T10:00:00")),
        "payload.captured_at",
    ),
    "captured_at next year": (
        json.dumps(honest_payload(captured_at="2027-11-23T10:00:00+00:00")),
        "payload.captured_at",
    ),
    "extra field status": (json.dumps(honest_payload(status="approved")), "payload.status"),
    "extra field reward": (
        json.dumps(honest_payload(reward={"amount_minor": 10**9, "currency": "EUR"})),
        "payload.reward",
    ),
    "NUL in a SKU": (
        json.dumps(
            honest_payload(answers=[{"sku": "PAD\u0000", "count": 1, "out_of_stock": False}])
        ),
        "payload.answers.0.sku",
    ),
}


@pytest.mark.parametrize("name", list(PAYLOADS))
def test_bad_payloads_are_refused_naming_the_field(name, client, db, claim):
    payload, field = PAYLOADS[name]
    problem(submit(client, claim(), [jpeg(shelf())], payload), 422, field)
    assert submissions(db) == 0


def test_a_missing_payload_part_is_refused(client, claim):
    claimed = claim()
    response = client.post(
        f"/api/v1/assignments/{claimed.assignment_id}/submission",
        data={"photos": []},
        headers=claimed.headers,
        content_type="multipart/form-data",
    )
    problem(response, 422, "payload")
