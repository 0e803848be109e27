"""`campaign.budget_low` fires once when less than 10 % of the funding remains, and
`campaign.completed` once when no mission is left to do; neither when nobody listens. A
store re-opened by its brand is a `mission.reopened`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update

from backend.campaigns import events
from backend.kernel.clock import utcnow
from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.webhooks.models import WebhookMessage
from tests.support.factories import BrandFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import BRUSSELS, honest_payload, submit, validate_now
from tests.support.world import build, fund


def moved(app: Any, db: Any, campaign_id: str) -> dict[str, int]:
    """Tell the campaign's events what moved; the messages so far, by event."""
    with app.app_context(), db.transaction() as session:
        events.campaign_moved(db_session=session, campaign_id=campaign_id, now=utcnow())
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(WebhookMessage.event_type, func.count()).group_by(WebhookMessage.event_type)
        ).all()
    return {event: int(n) for event, n in rows}


def spend(db: Any, campaign_id: str, amount_minor: int) -> None:
    """Pay a worker from the campaign, as an approval does."""
    with db.transaction() as session:
        ledger.post(
            db_session=session,
            kind=ledger.CREDIT,
            entries=ledger_rules.approval(
                campaign_id=campaign_id, worker_id="w1", reward_minor=amount_minor, currency="EUR"
            ),
            now=utcnow(),
        )


def test_budget_low_and_completed_each_fire_once(app, client, db, make, auth_headers):
    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory, role="brand", brand=brand))
    campaign_id, missions = build(db, brand.id, [BRUSSELS] * 2)
    with db.transaction() as session:
        ledger.fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=1000,
            currency="EUR",
            now=utcnow(),
        )
    assert moved(app, db, campaign_id) == {}  # nobody listens yet
    made = client.post(
        "/api/v1/webhooks",
        json={
            "url": "https://hooks.example.org/in",
            "events": ["campaign.budget_low", "campaign.completed"],
        },
        headers=headers,
    )
    assert made.status_code == 201, made.json

    spend(db, campaign_id, 900)  # 100 left: 10 %, not less
    assert moved(app, db, campaign_id) == {}
    spend(db, campaign_id, 1)
    assert moved(app, db, campaign_id) == {"campaign.budget_low": 1}
    spend(db, campaign_id, 50)
    assert moved(app, db, campaign_id) == {"campaign.budget_low": 1}

    with db.transaction() as session:
        session.execute(update(Mission).where(Mission.id == missions[0]).values(status="completed"))
    assert moved(app, db, campaign_id) == {"campaign.budget_low": 1}  # one still open
    with db.transaction() as session:
        session.execute(update(Mission).where(Mission.id == missions[1]).values(status="expired"))
    assert moved(app, db, campaign_id) == {"campaign.budget_low": 1, "campaign.completed": 1}
    assert moved(app, db, campaign_id) == {"campaign.budget_low": 1, "campaign.completed": 1}
    with db.transaction(write=False) as session:
        (body,) = session.scalars(
            select(WebhookMessage.payload).where(WebhookMessage.event_type == "campaign.completed")
        ).all()
    assert body["data"]["missions"] == {"completed": 1, "expired": 1}
    assert body["data"]["campaign_id"] == campaign_id


def test_a_store_reopened_by_its_brand_is_told_as_mission_reopened(
    app, client, db, make, auth_headers, claim
):
    claimed = claim()
    fund(db, [claimed.mission_id])
    closed = honest_payload(outcome="store_closed", answers=[])
    sent = submit(client, claimed, [jpeg(shelf(seed=80))], closed)
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])
    headers = auth_headers(make(UserFactory, role="brand", brand=claimed.brand))
    made = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.org/in", "events": ["mission.reopened"]},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    reopened = client.post(f"/api/v1/missions/{claimed.mission_id}/reopen", headers=headers)
    assert reopened.status_code == 200, reopened.json
    with db.transaction(write=False) as session:
        (body,) = session.scalars(select(WebhookMessage.payload)).all()
    assert body["type"] == "mission.reopened"
    assert (body["data"]["mission_id"], body["data"]["reason"]) == (
        claimed.mission_id,
        "store_reopened",
    )
