"""Upload: evidence is taken whole or not at all, once per assignment, retries included."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from backend.missions.models import Assignment, Mission
from backend.outbox.models import OutboxMessage
from backend.submissions.models import Photo, Submission
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.stores import stored_names
from tests.support.submitting import honest_payload, submit


def stored_files(app):
    return sorted(name.rsplit("/", 1)[-1] for name in stored_names(app))


def count(db, model):
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_upload_is_stored_by_content_and_queued_for_validation(app, client, db, claim):
    claimed = claim()
    photos = [jpeg(shelf(seed=1)), jpeg(shelf(seed=2))]
    response = submit(client, claimed, photos)
    assert response.status_code == 202, response.json
    assert response.json["status"] == "received"
    submission_id = response.json["submission_id"]
    digests = [hashlib.sha256(p).hexdigest() for p in photos]
    assert stored_files(app) == sorted(digests)  # server-made names, never the client's
    with db.transaction(write=False) as session:
        submission = session.get_one(Submission, submission_id)
        assert submission.answers[0] == {
            "sku": "PAD-1",
            "count": 12,
            "out_of_stock": False,
            "price": None,
        }
        assert [p.sha256 for p in session.scalars(select(Photo).order_by(Photo.position))] == (
            digests
        )
        assert session.get_one(Assignment, claimed.assignment_id).status == "submitted"
        assert session.get_one(Mission, claimed.mission_id).status == "submitted"
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.task_name))
        # Only the checks: the smaller copies wait for the decision (an admin may never look).
        assert [(m.task_name, m.args) for m in messages] == [
            ("validation.validate_submission", [submission_id]),
        ]
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers)
    assert shown.status_code == 200
    assert [p["sha256"] for p in shown.json["photos"]] == digests
    assert shown.json["decision"] is None


def test_a_retry_with_the_same_key_returns_the_same_submission(client, db, claim):
    claimed = claim()
    photos = [jpeg(shelf())]
    payload = honest_payload()
    first = submit(client, claimed, photos, payload, key="upload-1")
    # A phone's retry: a new multipart boundary, the same parts.
    again = submit(client, claimed, photos, payload, key="upload-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    other = submit(client, claimed, [jpeg(shelf(seed=9))], payload, key="upload-1")
    assert other.status_code == 422
    assert other.json["code"] == "idempotency_conflict"
    unkeyed = submit(client, claimed, photos, payload)
    assert unkeyed.status_code == 409
    assert unkeyed.json["code"] == "already_submitted"
    assert count(db, Submission) == 1


def test_only_the_assignments_worker_may_submit(client, make, auth_headers, claim, db):
    claimed = claim()
    claimed.headers = auth_headers(make(UserFactory))
    response = submit(client, claimed, [jpeg(shelf())])
    assert response.status_code == 404
    assert count(db, Submission) == 0


def expire(db, assignment_id, ago):
    with db.transaction() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id)
            .values(expires_at=datetime.now(UTC) - ago)
        )


def test_evidence_captured_in_time_is_taken_during_the_grace_period(client, db, claim):
    claimed = claim()
    expire(db, claimed.assignment_id, timedelta(minutes=10))
    captured = (datetime.now(UTC) - timedelta(minutes=20)).isoformat()
    response = submit(client, claimed, [jpeg(shelf())], honest_payload(captured_at=captured))
    assert response.status_code == 202, response.json


def test_evidence_captured_after_the_claim_ran_out_is_refused(client, db, claim):
    claimed = claim()
    expire(db, claimed.assignment_id, timedelta(minutes=10))
    response = submit(client, claimed, [jpeg(shelf())])
    assert response.status_code == 409
    assert response.json["code"] == "assignment_expired"


def test_after_the_grace_period_nothing_is_taken(client, db, claim, app):
    claimed = claim()
    expire(db, claimed.assignment_id, timedelta(minutes=61))
    captured = (datetime.now(UTC) - timedelta(minutes=90)).isoformat()
    response = submit(client, claimed, [jpeg(shelf())], honest_payload(captured_at=captured))
    assert response.status_code == 409
    assert response.json["code"] == "assignment_expired"
    assert stored_files(app) == []  # refused before anything was written


def test_a_released_assignment_takes_no_submission(client, claim):
    claimed = claim()
    released = client.post(
        f"/api/v1/assignments/{claimed.assignment_id}/release", headers=claimed.headers
    )
    assert released.status_code == 200
    response = submit(client, claimed, [jpeg(shelf())])
    assert response.status_code == 409
    assert response.json["code"] == "assignment_not_active"


def test_a_body_over_the_limit_is_a_413_and_nothing_is_kept(app_config, request):
    app_config["MAX_BODY_BYTES"] = 1024 * 1024
    app, client, db = (request.getfixturevalue(name) for name in ("app", "client", "db"))
    claimed = request.getfixturevalue("claim")()
    response = submit(client, claimed, [jpeg(shelf(seed=s)) for s in range(4)])
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "payload_too_large"
    assert "body" in response.json["errors"]
    assert count(db, Submission) == 0
    assert stored_files(app) == []


def test_a_crash_before_commit_leaves_nothing_and_the_retry_succeeds(
    client, db, claim, monkeypatch
):
    from backend.submissions import service

    claimed = claim()

    def crash(*_args, **_kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(service, "enqueue", crash)
    failed = submit(client, claimed, [jpeg(shelf())], key="k1")
    assert failed.status_code == 500
    assert count(db, Submission) == 0
    assert count(db, OutboxMessage) == 0
    with db.transaction(write=False) as session:
        assert session.get_one(Assignment, claimed.assignment_id).status == "active"
        assert session.get_one(Mission, claimed.mission_id).status == "claimed"
    monkeypatch.undo()
    retried = submit(client, claimed, [jpeg(shelf())], key="k1")
    assert retried.status_code == 202
    assert count(db, Submission) == 1
