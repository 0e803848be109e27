"""The request id of the access log follows the request's tasks into the worker's log."""

from __future__ import annotations

import json

import pytest
import redis

from backend.ops.models import PipelineCheck
from backend.outbox.models import OutboxMessage
from backend.submissions.photos import VARIANTS_TASK
from backend.submissions.service import VALIDATE_TASK
from tests.support.factories import UserFactory
from tests.support.observe import json_lines
from tests.support.photos import jpeg, shelf
from tests.support.processes import crash_settings, wait_until
from tests.support.submitting import submit

pytestmark = pytest.mark.integration


def read(db, model, key):
    with db.transaction(write=False) as session:
        return session.get(model, key)


def ask_for_a_check(client, make, auth_headers):
    headers = auth_headers(make(UserFactory, admin=True)) | {"X-Request-ID": "abc123"}
    created = client.post("/api/v1/admin/pipeline-checks", headers=headers)
    assert created.status_code == 202
    assert created.headers["X-Request-ID"] == "abc123"
    return created.json["id"]


def the_message(db):
    with db.transaction(write=False) as session:
        return session.query(OutboxMessage).one()


def lines_of_the_run(worker, message_id):
    """The worker's JSON lines reporting that the task ran (Celery's, from inside the run)."""

    def found():
        return [
            line
            for line in json_lines(worker.log)
            if message_id in line["message"] and "succeeded" in line["message"]
        ]

    return wait_until(found, 60, "the task's log lines")


def test_a_task_sent_after_commit_logs_under_its_request_id(
    client, db, make, auth_headers, start_worker
):
    worker = start_worker()
    check_id = ask_for_a_check(client, make, auth_headers)
    wait_until(lambda: read(db, PipelineCheck, check_id).completed_at, 60, "the worker")
    message = the_message(db)
    assert message.trace_context == {"request_id": "abc123"}
    assert message.attempts == 1  # the relay sent it, right after the commit

    ran = lines_of_the_run(worker, message.id)
    assert [line["request_id"] for line in ran] == ["abc123"]
    worker.stop()


def test_a_task_the_sweeper_sends_later_still_logs_under_its_request_id(
    request, app_config, redis_url, start_worker
):
    settings = crash_settings(redis_url)
    app_config.update(settings | {"OUTBOX_RELAY_ON_COMMIT": False})
    db = request.getfixturevalue("db")
    client = request.getfixturevalue("client")
    check_id = ask_for_a_check(
        client, request.getfixturevalue("make"), request.getfixturevalue("auth_headers")
    )
    assert the_message(db).last_sent_at is None  # committed, never relayed: a crash

    worker = start_worker(**settings)
    wait_until(lambda: read(db, PipelineCheck, check_id).completed_at, 90, "the sweeper")
    message = the_message(db)
    assert message.attempts >= 1  # the sweeper sent it

    ran = lines_of_the_run(worker, message.id)
    assert {line["request_id"] for line in ran} == {"abc123"}
    # The sweep itself came from beat, not from a request: its lines carry no request id.
    sweeps = [line for line in json_lines(worker.log) if "outbox sweeper" in line["message"]]
    assert sweeps
    assert all("request_id" not in line for line in sweeps)
    worker.stop()


def test_a_task_sent_directly_from_a_request_carries_its_id(app, redis_url):
    celery = app.extensions["celery"]
    with app.test_request_context(headers={"X-Request-ID": "abc123"}):
        app.preprocess_request()
        celery.send_task("ops.complete_pipeline_check", args=["x"], task_id="direct-1")
    celery.send_task("ops.complete_pipeline_check", args=["y"], task_id="direct-2")
    raw = redis.Redis.from_url(f"{redis_url}/1").lrange("celery", 0, -1)
    headers = {json.loads(r)["headers"]["id"]: json.loads(r)["headers"] for r in raw}
    assert headers["direct-1"]["request_id"] == "abc123"
    assert "request_id" not in headers["direct-2"]


def test_a_task_sent_by_a_task_keeps_the_first_request_id(client, db, claim, start_worker):
    # A submission left for review: validation (sent by the request) sends the review
    # sizes' task (from inside the worker), through an outbox row of its own.
    worker = start_worker()
    claimed = claim(review_required=True)
    claimed.headers["X-Request-ID"] = "abc123"
    response = submit(client, claimed, [jpeg(shelf(seed=60))])
    assert response.status_code == 202, response.json

    def both_done():
        with db.transaction(write=False) as session:
            messages = session.query(OutboxMessage).all()
        done = {m.task_name: m for m in messages if m.done_at is not None}
        return done if set(done) >= {VALIDATE_TASK, VARIANTS_TASK} else None

    done = wait_until(both_done, 90, "validation, then the review sizes")
    for task_name in (VALIDATE_TASK, VARIANTS_TASK):
        assert done[task_name].trace_context == {"request_id": "abc123"}
        ran = lines_of_the_run(worker, done[task_name].id)
        assert [line["request_id"] for line in ran] == ["abc123"]
    worker.stop()
