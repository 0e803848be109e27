"""A store found closed: validated like any submission, paid show-up pay once, re-openable."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.campaigns.models import Campaign
from backend.kernel.clock import utcnow
from backend.ledger import service as ledger
from backend.ledger.models import LedgerTransaction
from backend.ledger.rules import show_up_pay
from backend.missions.models import Mission
from backend.reconciliation.ledger import check_ledger
from backend.submissions import decisions
from tests.support.factories import BrandFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.processes import wait_until
from tests.support.submitting import BRUSSELS, Claimed, honest_payload, submit, validate_now

REWARD = 600  # tests/support/world.build's reward
SHOW_UP = 300  # 50 % of it, above the 2.00 EUR minimum


def closed_payload(**changes: Any) -> dict[str, Any]:
    return honest_payload(outcome="store_closed", answers=[]) | changes


@pytest.mark.parametrize(
    ("reward", "share", "minimum", "pay"),
    [
        (600, 50, 200, 300),  # half the reward
        (300, 50, 200, 200),  # the minimum lifts it
        (150, 50, 200, 150),  # never more than the reward
        (601, 50, 0, 301),  # 300.5 rounds half up
        (1001, Decimal("33.3"), 0, 333),  # 333.333 rounds down
        (600, 0, 0, 0),
    ],
)
def test_show_up_pay_is_a_share_of_the_reward_with_a_floor_and_a_cap(reward, share, minimum, pay):
    assert show_up_pay(reward, share, minimum) == pay


@pytest.mark.parametrize(("reward", "share", "minimum"), [(0, 50, 200), (600, 101, 200)])
def test_show_up_pay_refuses_what_cannot_be_a_rule(reward, share, minimum):
    with pytest.raises(ValueError, match="show-up pay"):
        show_up_pay(reward, share, minimum)


def fund(db: Any, mission_id: str, amount: int = REWARD) -> str:
    """Fund the mission's campaign (world.build leaves it unfunded); its id."""
    with db.transaction() as session:
        campaign_id = session.scalar(select(Mission.campaign_id).where(Mission.id == mission_id))
        assert campaign_id is not None
        ledger.fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=amount,
            currency="EUR",
            now=utcnow(),
        )
    return campaign_id


def send(app, client, db, claimed: Claimed, seed: int, payload: Any = None) -> dict[str, Any]:
    response = submit(client, claimed, [jpeg(shelf(seed=seed))], payload or closed_payload())
    assert response.status_code == 202, response.json
    validate_now(app, db, response.json["submission_id"])
    shown = client.get(
        f"/api/v1/submissions/{response.json['submission_id']}", headers=claimed.headers
    )
    assert shown.status_code == 200
    return shown.json


def balance(db: Any, worker: Any) -> int:
    with db.transaction(write=False) as session:
        return ledger.worker_balance(db_session=session, worker_id=worker.id)["amount_minor"]


def ledger_problems(app: Any, db: Any) -> list[str]:
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    with db.transaction(write=False) as session:
        return check_ledger(db_session=session)


def test_a_closed_store_inside_the_geofence_pays_show_up_pay_exactly_once(
    app, client, db, claim, make, auth_headers
):
    claimed = claim()
    campaign_id = fund(db, claimed.mission_id)
    shown = send(app, client, db, claimed, seed=60)
    assert shown["status"] == "approved", [c for c in shown["checks"] if not c["passed"]]
    assert shown["outcome"] == "store_closed"
    (complete,) = [c for c in shown["checks"] if c["name"] == "answers_complete"]
    assert complete["detail"] == {"required": False, "outcome": "store_closed"}
    assert shown["payout"]["amount"] == {"amount_minor": SHOW_UP, "currency": "EUR"}

    # Redelivered validation, then a second approval: nothing more is paid.
    validate_now(app, db, shown["id"])
    with db.transaction() as session:
        decisions.decide(
            db_session=session,
            submission_id=shown["id"],
            verdict=decisions.Verdict(status="approved", actor="admin"),
            now=utcnow(),
        )
    with db.transaction(write=False) as session:
        mission = session.get_one(Mission, claimed.mission_id)
        # Built without a figure (as before publishing set one): the one paid is kept.
        assert (mission.status, mission.show_up_minor) == ("store_closed", SHOW_UP)
        credits = select(func.count()).where(
            LedgerTransaction.submission_id == shown["id"],
            LedgerTransaction.kind == "submission_credit",
        )
        assert session.scalar(credits) == 1
    assert balance(db, claimed.worker) == SHOW_UP
    assert ledger_problems(app, db) == []

    brand = auth_headers(make(UserFactory, role="brand", brand=claimed.brand))
    results = client.get(f"/api/v1/campaigns/{campaign_id}/results", headers=brand)
    assert results.status_code == 200, results.json
    (item,) = results.json["items"]
    assert (item["mission_status"], item["result"]["outcome"]) == ("store_closed", "store_closed")
    assert results.json["aggregates"]["spend"]["spent"]["amount_minor"] == SHOW_UP


def test_a_published_figure_is_what_is_paid(app, client, db, claim):
    claimed = claim()
    fund(db, claimed.mission_id)
    with db.transaction() as session:
        session.execute(
            update(Mission).where(Mission.id == claimed.mission_id).values(show_up_minor=250)
        )
    shown = send(app, client, db, claimed, seed=61)
    assert shown["payout"]["amount"]["amount_minor"] == 250
    assert ledger_problems(app, db) == []


def test_a_closed_store_outside_the_geofence_goes_to_review_unpaid(app, client, db, claim):
    claimed = claim()
    fund(db, claimed.mission_id)
    far = closed_payload(latitude=BRUSSELS[0] + 0.027)  # 3 km north
    shown = send(app, client, db, claimed, seed=62, payload=far)
    assert shown["status"] == "in_review"
    assert shown["decision"]["flags"] == ["location"]
    assert shown["payout"] is None
    assert balance(db, claimed.worker) == 0
    with db.transaction(write=False) as session:
        assert session.get_one(Mission, claimed.mission_id).status == "submitted"


def test_a_brand_reopens_a_closed_store_for_a_new_worker(
    app, client, db, claim, make, auth_headers
):
    claimed = claim()
    campaign_id = fund(db, claimed.mission_id)
    assert send(app, client, db, claimed, seed=63)["status"] == "approved"
    brand = auth_headers(make(UserFactory, role="brand", brand=claimed.brand))
    url = f"/api/v1/missions/{claimed.mission_id}/reopen"

    stranger = auth_headers(make(UserFactory, brand_user=True))
    assert client.post(url, headers=stranger).status_code == 404
    assert client.post(url, headers=claimed.headers).status_code == 403
    reopened = client.post(url, headers=brand)
    assert reopened.status_code == 200, reopened.json
    assert reopened.json == {"id": claimed.mission_id, "campaign_id": campaign_id, "status": "open"}
    twice = client.post(url, headers=brand)
    assert (twice.status_code, twice.json["code"]) == (409, "not_store_closed")
    assert twice.json["mission_status"] == "open"

    # A new worker does the store; the first keeps the show-up pay.
    newcomer = make(UserFactory)
    headers = auth_headers(newcomer)
    claimed_again = client.post(f"/api/v1/missions/{claimed.mission_id}/claim", headers=headers)
    assert claimed_again.status_code == 201, claimed_again.json
    second = Claimed(
        claimed_again.json["assignment_id"],
        claimed.mission_id,
        newcomer,
        headers,
        claimed.brand_id,
        claimed.brand,
    )
    assert send(app, client, db, second, seed=64, payload=honest_payload())["status"] == "approved"
    assert (balance(db, claimed.worker), balance(db, newcomer)) == (SHOW_UP, REWARD)
    assert ledger_problems(app, db) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": "cancelled"}, "campaign_not_published"),
        ({"ended": True}, "campaign_ended"),
    ],
)
def test_a_closed_store_of_a_campaign_not_running_stays_closed(
    app, client, db, claim, make, auth_headers, change, code
):
    claimed = claim()
    fund(db, claimed.mission_id)
    assert send(app, client, db, claimed, seed=65)["status"] == "approved"
    admin = auth_headers(make(UserFactory, admin=True))
    with db.transaction() as session:
        mission = session.get_one(Mission, claimed.mission_id)
        campaign = session.get_one(Campaign, mission.campaign_id)
        if change.get("ended"):
            campaign.ends_at = utcnow() - timedelta(minutes=1)
        else:
            campaign.status = change["status"]
    refused = client.post(f"/api/v1/missions/{claimed.mission_id}/reopen", headers=admin)
    assert (refused.status_code, refused.json["code"]) == (409, code)
    with db.transaction(write=False) as session:
        assert session.get_one(Mission, claimed.mission_id).status == "store_closed"


def test_an_open_mission_is_not_reopened(client, claim, make, auth_headers):
    claimed = claim()
    admin = auth_headers(make(UserFactory, admin=True))
    refused = client.post(f"/api/v1/missions/{claimed.mission_id}/reopen", headers=admin)
    assert (refused.status_code, refused.json["code"]) == (409, "not_store_closed")
    assert refused.json["mission_status"] == "claimed"
    other = auth_headers(make(UserFactory, role="brand", brand=make(BrandFactory)))
    missing = client.post("/api/v1/missions/nope/reopen", headers=other)
    assert missing.status_code == 404


@pytest.mark.integration
def test_a_real_worker_pays_a_closed_store(app, client, db, claim, start_worker):
    worker = start_worker()
    claimed = claim()
    fund(db, claimed.mission_id)
    response = submit(client, claimed, [jpeg(shelf(seed=66))], closed_payload())
    assert response.status_code == 202, response.json
    url = f"/api/v1/submissions/{response.json['submission_id']}"

    def paid() -> dict[str, Any] | None:
        shown = client.get(url, headers=claimed.headers).json
        return shown if shown["payout"] else None

    shown = wait_until(paid, 60, "show-up pay")
    assert shown["payout"]["amount"]["amount_minor"] == SHOW_UP
    with db.transaction(write=False) as session:
        assert session.get_one(Mission, claimed.mission_id).status == "store_closed"
    assert ledger_problems(app, db) == []
    worker.stop()
