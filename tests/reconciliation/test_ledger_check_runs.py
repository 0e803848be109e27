"""The ledger check as a stored task: queued by an admin or by beat, run once, its result kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.outbox.models import OutboxMessage
from backend.reconciliation.ledger import CHECKS
from backend.reconciliation.models import LedgerCheckRun
from backend.reconciliation.service import RUN_TASK
from backend.settings import override_settings
from backend.tasks import _beat_schedule
from tests.support.factories import UserFactory
from tests.support.ledger import make_world, raw_transaction
from tests.support.processes import wait_until
from workers.reconciliation import nightly_ledger_check, run_ledger_check

PROBLEM = "application/problem+json"
URL = "/api/v1/admin/ledger-checks"


@pytest.fixture
def admin(make, auth_headers):
    return auth_headers(make(UserFactory, admin=True))


def message_of(db, run_id):
    """The outbox message that carries this run's task."""
    with db.transaction(write=False) as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.task_name == RUN_TASK)
        ).all()
    return next(m for m in messages if m.args == [run_id])


def run_task(app, db, run_id):
    """Run the task as a worker would, with its outbox message's id as the task id."""
    with app.app_context():
        return run_ledger_check.apply(
            args=[run_id], task_id=message_of(db, run_id).id, throw=True
        ).get()


def test_an_admin_runs_the_check_and_reads_a_pass(app, client, db, make, admin):
    world = make_world(db, make)
    world.approve()
    world.request_payout(100)
    created = client.post(URL, headers=admin)
    assert created.status_code == 202
    run_id = created.json["id"]
    assert created.json["status"] == "queued"
    assert created.json["trigger"] == "manual"
    assert created.json["started_at"] is None
    assert created.json["checks"] == []
    # Nothing ran in the request: the task waits in the outbox for the commit.
    assert message_of(db, run_id).done_at is None

    assert run_task(app, db, run_id) == "passed"
    shown = client.get(f"{URL}/{run_id}", headers=admin)
    assert shown.status_code == 200
    body = shown.json
    assert body["status"] == "passed"
    assert body["problems"] == []
    assert [c["name"] for c in body["checks"]] == [name for name, _check in CHECKS]
    assert all(c == {"name": c["name"], "problems": [], "count": 0} for c in body["checks"])
    assert body["started_at"] is not None
    assert body["finished_at"] >= body["started_at"]
    assert body["covered"]["approved submissions"] == 1
    assert body["covered"]["payout requests"] == 1
    assert message_of(db, run_id).done_at is not None
    assert client.get(f"{URL}/latest", headers=admin).json == body


def test_a_broken_ledger_fails_naming_each_discrepancy(app, client, db, make, admin):
    make_world(db, make)
    bad = raw_transaction(db, "adjustment", [("platform", -100), ("worker:x", 90)])
    run_id = client.post(URL, headers=admin).json["id"]
    assert run_task(app, db, run_id) == "failed"
    body = client.get(f"{URL}/latest", headers=admin).json
    assert body["id"] == run_id
    assert body["status"] == "failed"
    unbalanced = f"transaction {bad} does not balance: its EUR entries sum to -10"
    assert unbalanced in body["problems"]
    by_name = {c["name"]: c for c in body["checks"]}
    assert unbalanced in by_name["transactions balance"]["problems"]
    assert by_name["transactions balance"]["count"] == 1
    assert sum(c["count"] for c in body["checks"]) == len(body["problems"])


def test_a_copy_of_the_task_records_nothing_twice(app, client, db, make, admin):
    make_world(db, make)
    run_id = client.post(URL, headers=admin).json["id"]
    assert run_task(app, db, run_id) == "passed"
    first = client.get(f"{URL}/{run_id}", headers=admin).json
    # The same message again (a redelivery), then the task sent by hand (no message).
    assert run_task(app, db, run_id) is None
    raw_transaction(db, "adjustment", [("platform", 5)])
    with app.app_context():
        assert run_ledger_check.apply(args=[run_id], throw=True).get() is None
    assert client.get(f"{URL}/{run_id}", headers=admin).json == first


def test_a_run_in_flight_is_answered_again_and_a_finished_one_is_not(app, client, db, admin):
    first = client.post(URL, headers=admin).json
    again = client.post(URL, headers=admin)
    assert again.status_code == 202
    assert again.json["id"] == first["id"]
    run_task(app, db, first["id"])
    second = client.post(URL, headers=admin).json
    assert second["id"] != first["id"]
    assert second["status"] == "queued"
    # The latest is the run asked for last, even before it has a result.
    assert client.get(f"{URL}/latest", headers=admin).json["id"] == second["id"]
    with db.transaction(write=False) as session:
        assert session.query(LedgerCheckRun).count() == 2


def test_latest_is_404_until_a_run_and_only_admins_see_runs(client, make, auth_headers, admin):
    none = client.get(f"{URL}/latest", headers=admin)
    assert none.status_code == 404
    assert none.content_type == PROBLEM
    assert none.json["code"] == "no_ledger_check"
    unknown = client.get(f"{URL}/nope", headers=admin)
    assert unknown.status_code == 404
    assert unknown.content_type == PROBLEM
    run_id = client.post(URL, headers=admin).json["id"]
    assert client.post(URL).status_code == 401
    assert client.get(f"{URL}/latest").status_code == 401
    for user in (make(UserFactory), make(UserFactory, brand_user=True)):
        headers = auth_headers(user)
        assert client.post(URL, headers=headers).status_code == 403
        assert client.get(f"{URL}/latest", headers=headers).status_code == 403
        assert client.get(f"{URL}/{run_id}", headers=headers).status_code == 403


def test_beat_queues_one_nightly_run_a_night(app, client, db, admin):
    with app.app_context():
        run_id = nightly_ledger_check.apply(throw=True).get()
        assert nightly_ledger_check.apply(throw=True).get() is None  # a second beat, same night
    assert run_task(app, db, run_id) == "passed"
    body = client.get(f"{URL}/latest", headers=admin).json
    assert (body["id"], body["trigger"], body["status"]) == (run_id, "nightly", "passed")
    with app.app_context():
        assert nightly_ledger_check.apply(throw=True).get() is None  # done for tonight


def test_the_nightly_hour_is_a_setting(app):
    entry = _beat_schedule(override_settings(app, LEDGER_CHECK_HOUR=5))[
        "reconciliation-nightly-ledger-check"
    ]
    assert entry["task"] == "reconciliation.nightly_ledger_check"
    assert entry["schedule"].hour == {5}
    assert entry["schedule"].minute == {0}


@pytest.mark.integration
def test_a_real_worker_runs_the_check_sent_through_the_outbox(
    client, db, make, admin, start_worker
):
    world = make_world(db, make)
    world.approve()
    start_worker()
    run_id = client.post(URL, headers=admin).json["id"]

    def finished():
        body = client.get(f"{URL}/{run_id}", headers=admin).json
        return body if body["status"] in ("passed", "failed") else None

    body = wait_until(finished, 60, "the worker to run the ledger check")
    assert body["status"] == "passed", body["problems"]
    assert len(body["checks"]) == len(CHECKS)
    assert message_of(db, run_id).done_at is not None


def test_every_beat_entry_names_a_task_the_worker_has(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # what a worker imports: the TASK_MODULES
    schedule = celery.conf.beat_schedule
    assert {"reconciliation-nightly-ledger-check", "stores-sweep-import-files"} <= set(schedule)
    assert [e["task"] for e in schedule.values() if e["task"] not in celery.tasks] == []
