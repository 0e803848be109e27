"""200 submissions through a SIGKILLed worker and a Redis that loses its queue: every one
decided once, every approval paid once, and the ledger check agrees."""

from __future__ import annotations

import time

import redis
from sqlalchemy import func, select

from backend.kernel.clock import utcnow
from backend.ledger import service as ledger
from backend.reconciliation.ledger import check_ledger
from backend.submissions.models import Decision, Submission
from tests.support.factories import BrandFactory, UserFactory
from tests.support.ledger import assert_credited_once
from tests.support.photos import jpeg, shelf
from tests.support.processes import wait_until
from tests.support.services import redis_process
from tests.support.submitting import BRUSSELS, SKUS, Claimed, submit
from tests.support.world import build

SUBMISSIONS = 200
REWARD = 600


def _decided(db) -> int:
    with db.transaction(write=False) as session:
        return session.scalar(
            select(func.count()).select_from(Submission).where(Submission.decided_at.is_not(None))
        )


def _claims(client, db, make, auth_headers) -> list[Claimed]:
    """One funded campaign, 200 missions, each claimed (three per worker, the cap)."""
    brand = make(BrandFactory)
    campaign_id, mission_ids = build(db, brand.id, [BRUSSELS] * SUBMISSIONS, skus=SKUS)
    with db.transaction() as session:
        ledger.fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=REWARD * SUBMISSIONS,
            currency="EUR",
            now=utcnow(),
        )
    claimed = []
    for index, mission_id in enumerate(mission_ids):
        if index % 3 == 0:
            worker = make(UserFactory)
            headers = auth_headers(worker)
        response = client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)
        assert response.status_code == 201, response.json
        claimed.append(
            Claimed(response.json["assignment_id"], mission_id, worker, headers, brand.id, brand)
        )
    return claimed


def _send(client, claims: list[Claimed], first_seed: int) -> list[str]:
    ids = []
    for offset, claimed in enumerate(claims):
        response = submit(client, claimed, [jpeg(shelf(seed=first_seed + offset))])
        assert response.status_code == 202, response.json
        ids.append(response.json["submission_id"])
    return ids


def test_sigkill_and_a_redis_restart_lose_no_decision_and_pay_nothing_twice(
    request, app_config, start_worker
):
    with redis_process() as broker_server:
        settings = {
            "BROKER_URL": f"{broker_server.url}/0",
            "OUTBOX_SWEEP_SECONDS": 1,
            "OUTBOX_RESEND_AFTER_SECONDS": 5,
            "SQLITE_BUSY_TIMEOUT_MS": 120_000,
            "BROKER_VISIBILITY_TIMEOUT": 10,
        }
        app_config.update(settings)
        app, client, db = (request.getfixturevalue(name) for name in ("app", "client", "db"))
        claims = _claims(
            client, db, request.getfixturevalue("make"), request.getfixturevalue("auth_headers")
        )
        ids = _send(client, claims[:80], 1000)

        first = start_worker(**settings)
        broker = redis.Redis.from_url(settings["BROKER_URL"])
        wait_until(lambda: _decided(db) >= 20, 180, "a first share to be decided")
        wait_until(lambda: broker.hlen("unacked"), 60, "the worker to hold a task")
        first.kill()  # mid-task: taken from the queue, not acknowledged
        broker_server.kill()  # and the broker loses every queued message with it
        assert _decided(db) < SUBMISSIONS

        # Uploads keep working while the broker is down: the outbox keeps their tasks.
        ids += _send(client, claims[80:90], 2000)
        broker_server.start()
        ids += _send(client, claims[90:], 3000)

        second = start_worker(**settings)
        wait_until(lambda: _decided(db) == SUBMISSIONS, 600, "every submission to be decided")
        time.sleep(12)  # past the visibility timeout: any redelivered copy has come and gone
        assert second.proc.poll() is None

    with db.transaction(write=False) as session:
        decisions = dict(
            session.execute(
                select(Decision.submission_id, func.count()).group_by(Decision.submission_id)
            ).all()
        )
        assert decisions == dict.fromkeys(ids, 1)
        approved = assert_credited_once(session)
        assert len(approved) >= SUBMISSIONS * 0.9, "honest photos are approved"
        paid = sum(
            ledger.balance(db_session=session, account=f"worker:{c.worker.id}", currency="EUR")
            for c in claims[::3]
        )
        assert paid == REWARD * len(approved)
        assert check_ledger(db_session=session) == []
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "ledger check passed" in result.output
