"""Raw positions are reduced to distance and verdict after the retention period, by beat."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from backend.privacy import rules, service
from backend.submissions.models import Submission
from tests.support.photos import with_gps
from tests.support.processes import wait_until
from tests.support.submitting import honest_payload, submit, validate_now
from workers.privacy import reduce_locations

HERE = (50.84683, 4.35297)  # about 35 m from the store, digits no store shares
THERE = (50.84711, 4.35263)
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_location_keeps_distance_and_fence_only():
    checks = [
        {
            "name": "location",
            "passed": True,
            "hard": False,
            "detail": {
                "distance_m": 35.2,
                "geofence_m": 150,
                "accuracy_m": 8.0,
                "accuracy_allowance_m": 8.0,
            },
        },
        {
            "name": "travel_speed",
            "passed": False,
            "hard": False,
            "detail": {"distance_m": 9000.0, "minutes": 2.0, "speed_kmh": 270.0, "max_kmh": 200},
        },
        {
            "name": "exif_location",
            "passed": True,
            "hard": False,
            "detail": {"photo": 0, "distance_m": 12.0, "geofence_m": 150},
        },
        {
            "name": "future_check",
            "passed": True,
            "hard": False,
            "detail": {"near": [{"latitude": 1.5, "lng": 2.5, "hamming": 3}], "gps": [1, 2]},
        },
    ]
    reduced = rules.reduce_checks(checks)
    assert [c["passed"] for c in reduced] == [True, False, True, True]
    assert reduced[0]["detail"] == {"distance_m": 35.2, "geofence_m": 150}
    assert reduced[1]["detail"] == {"speed_kmh": 270.0, "max_kmh": 200}
    assert reduced[2]["detail"] == {"photo": 0, "distance_m": 12.0, "geofence_m": 150}
    assert reduced[3]["detail"] == {"near": [{"hamming": 3}]}
    assert rules.reduce_checks(reduced) == reduced  # idempotent
    assert checks[0]["detail"]["accuracy_m"] == 8.0  # the input is left alone


def test_erasing_also_drops_file_digests_and_device():
    checks = [
        {"name": "stored", "passed": False, "hard": True, "detail": {"photo": 0, "sha256": "ab"}},
        {
            "name": "software",
            "passed": True,
            "hard": False,
            "detail": {"software": "X", "hint": None},
        },
    ]
    assert [c["detail"] for c in rules.reduce_checks(checks, erasing=True)] == [
        {"photo": 0},
        {"hint": None},
    ]
    assert rules.reduce_checks(checks) == checks


def test_cutoff_counts_days_back_from_now():
    assert rules.retention_cutoff(NOW, 90) == NOW - timedelta(days=90)


def _submitted(app, client, db, claim, worker=None, at=HERE, seed=11):
    claimed = claim(worker=worker)
    payload = honest_payload(latitude=at[0], longitude=at[1])
    response = submit(client, claimed, [with_gps(*at, seed=seed)], payload)
    assert response.status_code == 202, response.json
    submission_id = response.json["submission_id"]
    validate_now(app, db, submission_id)
    return claimed, submission_id


def _age(db, submission_id, days):
    with db.transaction() as session:
        session.execute(
            update(Submission)
            .where(Submission.id == submission_id)
            .values(received_at=datetime.now(UTC) - timedelta(days=days))
        )


def _row(db, submission_id):
    with db.transaction(write=False) as session:
        return session.get_one(Submission, submission_id)


def test_old_positions_are_reduced_once_and_recent_ones_kept(app, client, db, claim):
    first, old = _submitted(app, client, db, claim, seed=11)
    _, recent = _submitted(app, client, db, claim, worker=first.worker, at=THERE, seed=12)
    _age(db, old, 91)
    _age(db, recent, 89)
    assert any(
        c["name"] == "travel_speed" and "distance_m" in c["detail"] for c in _row(db, recent).checks
    )

    with app.app_context():
        assert reduce_locations.apply(throw=True).get() == 1
        assert reduce_locations.apply(throw=True).get() == 0  # nothing twice

    reduced = _row(db, old)
    assert (reduced.latitude, reduced.longitude, reduced.accuracy_m) == (None, None, None)
    assert reduced.location_reduced_at is not None
    (location,) = [c for c in reduced.checks if c["name"] == "location"]
    assert location["passed"] is True
    assert set(location["detail"]) == {"distance_m", "geofence_m"}
    assert 20 < location["detail"]["distance_m"] < 60
    text = json.dumps(reduced.checks)
    assert str(HERE[0]) not in text
    assert str(HERE[1]) not in text

    kept = _row(db, recent)
    assert (kept.latitude, kept.longitude) == THERE
    assert kept.location_reduced_at is None

    # The worker still sees the verdict and distance; the position reads null.
    shown = client.get(f"/api/v1/submissions/{old}", headers=first.headers)
    assert shown.status_code == 200
    assert shown.json["latitude"] is None
    assert shown.json["accuracy_m"] is None
    assert {c["name"]: c["passed"] for c in shown.json["checks"]}["location"] is True


def test_reduction_goes_in_batches(app, client, db, claim):
    ids = [_submitted(app, client, db, claim, seed=20 + n)[1] for n in range(3)]
    for submission_id in ids:
        _age(db, submission_id, 100)
    done = []
    while True:
        with db.transaction() as session:
            count = service.reduce_locations(
                db_session=session, now=datetime.now(UTC), retention_days=90, limit=2
            )
        done.append(count)
        if count < 2:
            break
    assert done == [2, 1]
    assert all(_row(db, i).latitude is None for i in ids)


def test_a_submission_awaiting_validation_keeps_its_position(app, client, db, claim):
    claimed = claim()
    payload = honest_payload(latitude=HERE[0], longitude=HERE[1])
    response = submit(client, claimed, [with_gps(*HERE, seed=31)], payload)
    submission_id = response.json["submission_id"]
    _age(db, submission_id, 120)
    with db.transaction() as session:
        assert (
            service.reduce_locations(db_session=session, now=datetime.now(UTC), retention_days=90)
            == 0
        )
    validate_now(app, db, submission_id)  # validation still finds the position it needs
    assert _row(db, submission_id).status == "approved"


def test_the_reduction_is_scheduled_daily(app):
    schedule = app.extensions["celery"].conf.beat_schedule["privacy-reduce-locations"]
    assert schedule == {"task": "privacy.reduce_locations", "schedule": 86400.0}


@pytest.mark.integration
def test_a_real_worker_reduces_positions(app, client, db, claim, start_worker):
    _, old = _submitted(app, client, db, claim, seed=41)
    _age(db, old, 91)
    start_worker()
    app.extensions["celery"].send_task("privacy.reduce_locations")
    wait_until(lambda: _row(db, old).location_reduced_at, 60, "the worker to reduce it")
    assert _row(db, old).latitude is None
