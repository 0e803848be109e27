"""Submissions through a real Celery worker: decisions, hostile files, and a SIGKILL."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from backend.outbox.models import OutboxMessage
from backend.submissions.models import Decision, Submission
from tests.submissions.hostile import ACCEPTED_FILES
from tests.support.locks import hold_write_lock
from tests.support.photos import blurred, dark, jpeg, shelf
from tests.support.processes import crash_settings, unacked_ids, wait_until
from tests.support.submitting import BRUSSELS, honest_payload, submit

pytestmark = pytest.mark.integration


def decided(client, claimed, submission_id, timeout=60):
    """Poll the API, as the phone does, until the machine has decided."""
    url = f"/api/v1/submissions/{submission_id}"
    shown = {}

    def done():
        shown.update(client.get(url, headers=claimed.headers).json)
        return shown["decision"] is not None

    wait_until(done, timeout, f"a decision on {submission_id}")
    return shown


def send(client, claimed, photos, payload=None):
    response = submit(client, claimed, photos, payload)
    assert response.status_code == 202, response.json
    return response.json["submission_id"]


def failing(shown):
    return sorted({c["name"] for c in shown["checks"] if not c["passed"]})


def test_a_real_worker_decides_each_acceptance_case(client, claim, start_worker):
    worker = start_worker()
    reused = jpeg(shelf(seed=41))
    cases = {}
    for name, photos, payload in [
        ("honest", [jpeg(shelf(seed=40)), reused], None),
        ("far", [jpeg(shelf(seed=42))], honest_payload(latitude=BRUSSELS[0] + 0.027)),
        ("reused", [jpeg(shelf(seed=43)), reused], None),
        ("blurred and dark", [blurred(seed=44), dark(seed=45)], None),
    ]:
        claimed = claim()
        cases[name] = (claimed, send(client, claimed, photos, payload))
    shown = {name: decided(client, *case) for name, case in cases.items()}
    assert shown["honest"]["status"] == "approved", failing(shown["honest"])
    assert shown["far"]["status"] == "in_review"
    assert failing(shown["far"]) == ["location"]
    assert shown["reused"]["status"] == "rejected"
    assert shown["reused"]["decision"]["reasons"] == ["reused_photo"]
    assert shown["blurred and dark"]["status"] == "in_review"
    assert failing(shown["blurred and dark"]) == ["exposure", "sharpness"]
    worker.stop()


def _worker_processes(leader: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == leader:  # the process group: the worker and its pool
                found.append(int(entry.name))
    return found


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_hostile_files_leave_the_worker_alive_and_small(client, claim, start_worker):
    worker = start_worker()
    sent = []
    for make_file, _check in ACCEPTED_FILES.values():
        claimed = claim()
        sent.append((claimed, send(client, claimed, [make_file(), jpeg(shelf(4000, 3000))])))
    for claimed, submission_id in sent:
        assert decided(client, claimed, submission_id)["status"] != "approved"
    assert worker.proc.poll() is None, "the worker died"
    peaks = {pid: _peak_rss_mb(pid) for pid in _worker_processes(worker.proc.pid)}
    assert len(peaks) >= 2, peaks  # the main process and its pool child
    assert max(peaks.values()) < 300, peaks
    worker.stop()


def test_sigkill_during_validation_then_every_submission_is_decided_once(
    request, app_config, backend_name, database_url, redis_url, start_worker
):
    settings = crash_settings(redis_url)
    broker = settings["BROKER_URL"]
    app_config.update(settings)
    client = request.getfixturevalue("client")
    db = request.getfixturevalue("db")
    claim = request.getfixturevalue("claim")
    ids = [send(client, claim(), [jpeg(shelf(seed=50 + i))]) for i in range(6)]

    broker_client = redis.Redis.from_url(broker)
    first = start_worker(**settings | {"OUTBOX_SWEEP_SECONDS": 3600})
    with hold_write_lock(db, backend_name, database_url, table="submissions"):
        # The worker reads and decodes the first submission, then waits to record it...
        wait_until(lambda: unacked_ids(broker_client), 60, "the worker to take a task")
        time.sleep(1.0)
        # ...and dies mid-validation: nothing recorded, nothing acknowledged.
        first.kill()
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0

    second = start_worker(**settings)

    def all_decided():
        with db.transaction(write=False) as session:
            return session.scalar(
                select(func.count())
                .select_from(Submission)
                .where(Submission.decided_at.is_not(None))
            ) == len(ids)

    wait_until(all_decided, 120, "every submission to be decided")
    time.sleep(8)  # past the visibility timeout: the killed worker's copy comes back too
    with db.transaction(write=False) as session:
        per_submission = dict(
            session.execute(
                select(Decision.submission_id, func.count()).group_by(Decision.submission_id)
            ).all()
        )
        assert per_submission == dict.fromkeys(ids, 1)
        assert set(session.scalars(select(Submission.status))) == {"approved"}
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.done_at.is_(None))
            )
            == 0
        )
    assert second.proc.poll() is None
    second.stop()
    assert os.path.exists(second.log)
