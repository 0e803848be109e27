"""A real Celery worker consumes outbox messages, exactly once, across a SIGKILL."""

from __future__ import annotations

import time

import pytest
import redis

from backend.ops.models import PipelineCheck
from backend.outbox.models import OutboxMessage
from tests.support.factories import UserFactory
from tests.support.locks import hold_write_lock
from tests.support.processes import crash_settings, unacked_ids, wait_until

pytestmark = pytest.mark.integration


def read(db, model, key):
    with db.transaction(write=False) as session:
        return session.get(model, key)


def test_worker_completes_a_pipeline_check_sent_through_the_outbox(
    client, db, make, auth_headers, start_worker
):
    worker = start_worker()
    headers = auth_headers(make(UserFactory, admin=True))
    created = client.post("/api/v1/admin/pipeline-checks", headers=headers)
    assert created.status_code == 202
    assert created.json["status"] == "pending"
    check_id = created.json["id"]

    wait_until(lambda: read(db, PipelineCheck, check_id).completed_at, 60, "the worker")
    shown = client.get(f"/api/v1/admin/pipeline-checks/{check_id}", headers=headers).json
    assert shown["status"] == "completed"
    assert shown["runs"] == 1
    with db.transaction(write=False) as session:
        # The check's own message: the worker's beat may queue periodic work of its own.
        message = (
            session.query(OutboxMessage)
            .filter(OutboxMessage.task_name == "ops.complete_pipeline_check")
            .one()
        )
    assert message.done_at is not None
    assert message.attempts == 1  # relayed right after commit; the sweeper had nothing to do
    worker.stop()


def test_sigkill_between_commit_and_delivery_then_sweeper_delivers_exactly_once(
    request, app_config, backend_name, database_url, redis_url, start_worker
):
    from backend.ops import service

    settings = crash_settings(redis_url)
    broker = settings["BROKER_URL"]
    app_config.update(settings | {"OUTBOX_RELAY_ON_COMMIT": False})
    app = request.getfixturevalue("app")
    db = request.getfixturevalue("db")
    # The first worker must not sweep: its sweep would block on our lock ahead of the task.
    first = start_worker(**settings | {"OUTBOX_SWEEP_SECONDS": 3600})

    # The API commits the check and its outbox row; the relay never runs (a crash).
    with app.app_context(), db.transaction() as session:
        check_id = service.request_pipeline_check(db_session=session, requested_by=None).id
    with db.transaction(write=False) as session:
        message_id = session.query(OutboxMessage.id).scalar()

    broker_client = redis.Redis.from_url(broker)
    with hold_write_lock(db, backend_name, database_url):
        # The message reaches the worker, which takes it and blocks on the lock...
        app.extensions["celery"].send_task(
            "ops.complete_pipeline_check", args=[check_id], task_id=message_id
        )
        wait_until(lambda: message_id in unacked_ids(broker_client), 60, "the worker to take it")
        time.sleep(0.5)
        # ...and dies before it can do anything: no ack, no effect, no done mark.
        first.kill()
    check = read(db, PipelineCheck, check_id)
    assert check.runs == 0
    assert read(db, OutboxMessage, message_id).done_at is None

    # The broker would hand the killed worker's copy back after its visibility timeout; the
    # second worker waits far longer for that, so only the sweeper can deliver it here (on a
    # loaded machine the broker's 6 s came first and the sweeper found the message done).
    second = start_worker(**settings | {"BROKER_VISIBILITY_TIMEOUT": 3600})
    wait_until(lambda: read(db, PipelineCheck, check_id).completed_at, 90, "the sweeper")
    message = read(db, OutboxMessage, message_id)
    assert message.done_at is not None
    assert message.attempts >= 1  # the sweeper resent it: the relay never recorded a send

    # Any further copy (the broker hands the killed worker's copy back after its visibility
    # timeout; here we send one more ourselves) is taken, found done, and does nothing.
    app.extensions["celery"].send_task(
        "ops.complete_pipeline_check", args=[check_id], task_id=message_id
    )
    wait_until(
        lambda: (
            "outbox message already done" in second.log.read_text()
            and message_id in second.log.read_text()
        ),
        60,
        "the worker to skip the duplicate",
    )
    assert read(db, PipelineCheck, check_id).runs == 1
