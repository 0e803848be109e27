"""What a campaign has spent and has left, read from the ledger, on one campaign and a list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend.campaigns import aggregates
from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.missions.models import Mission
from tests.support.campaigns import campaign_body, decide, euros, evidence
from tests.support.factories import StoreFactory, UserFactory
from tests.support.statements import statements


def spend(funded: int, spent: int, remaining: int) -> dict[str, dict[str, object]]:
    return {"funded": euros(funded), "spent": euros(spent), "remaining": euros(remaining)}


@pytest.fixture
def brand(make, auth_headers):
    user = make(UserFactory, brand_user=True)
    return user, auth_headers(user)


def new_campaign(client, make, brand, stores: int, *, publish: bool = True) -> str:
    user, headers = brand
    store_ids = [make(StoreFactory, brand_id=user.brand_id).id for _ in range(stores)]
    created = client.post("/api/v1/campaigns", json=campaign_body(store_ids), headers=headers)
    assert created.status_code == 201, created.json
    if publish:
        published = client.post(f"/api/v1/campaigns/{created.json['id']}/publish", headers=headers)
        assert published.status_code == 200, published.json
    return str(created.json["id"])


def missions_of(db, campaign_id: str) -> list[str]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(Mission.id).where(Mission.campaign_id == campaign_id).order_by(Mission.id)
            )
        )


def approve(db, make, brand, mission_id: str, status: str = "approved") -> None:
    submission_id, _photos = evidence(
        db, mission_id=mission_id, worker_id=make(UserFactory).id, brand_id=brand[0].brand_id
    )
    decide(db, submission_id, status)


def test_spend_follows_funding_and_approvals(client, db, make, brand):
    _user, headers = brand
    draft = new_campaign(client, make, brand, 3, publish=False)
    assert client.get(f"/api/v1/campaigns/{draft}", headers=headers).json["spend"] == spend(0, 0, 0)

    published = client.post(f"/api/v1/campaigns/{draft}/publish", headers=headers)
    assert published.json["spend"] == spend(1800, 0, 1800)  # 3 stores x 600

    first, second, _third = missions_of(db, draft)
    approve(db, make, brand, first)
    approve(db, make, brand, second, status="rejected")  # a rejection pays nothing
    shown = client.get(f"/api/v1/campaigns/{draft}", headers=headers).json
    assert shown["spend"] == spend(1800, 600, 1200)
    results = client.get(f"/api/v1/campaigns/{draft}/results", headers=headers).json
    assert results["aggregates"]["spend"] == spend(1800, 600, 1200)


def test_the_list_reads_every_campaigns_spend_in_one_query(client, db, make, brand):
    _user, headers = brand
    small, middle, large = (new_campaign(client, make, brand, n) for n in (1, 2, 3))
    for mission_id in missions_of(db, middle):
        approve(db, make, brand, mission_id)
    with statements(db) as seen:
        listed = client.get("/api/v1/campaigns", headers=headers)
    assert listed.status_code == 200
    by_id = {c["id"]: c["spend"] for c in listed.json["items"]}
    assert by_id == {
        small: spend(600, 0, 600),
        middle: spend(1200, 1200, 0),
        large: spend(1800, 0, 1800),
    }
    assert sum("FROM ledger_entries" in s for s in seen) == 1


def test_money_in_another_currency_is_not_the_campaigns(client, db, make, brand):
    _user, headers = brand
    campaign_id = new_campaign(client, make, brand, 1)
    entries = [
        ledger_rules.Entry(ledger_rules.BANK, -500, "USD"),
        ledger_rules.Entry(ledger_rules.campaign_account(campaign_id), 500, "USD"),
    ]
    with db.transaction() as session:
        ledger.post(
            db_session=session, kind="campaign_funding", entries=entries, now=datetime.now(UTC)
        )
    shown = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).json
    assert shown["spend"] == spend(600, 0, 600)


def test_remaining_is_the_balance_whatever_the_kinds():
    sums = {"campaign_funding": 1000, "submission_credit": -600, "campaign_refund": -100}
    figures = aggregates.spend(sums, "EUR")
    assert figures == spend(1000, 600, 300)
    assert aggregates.spend({}, "EUR") == spend(0, 0, 0)
