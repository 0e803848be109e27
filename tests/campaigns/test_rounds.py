"""Recurring campaigns: a weekly campaign opens round 2 at seven days (time injected, never
waited for), funds it from the organisation's balance, closes round 1's unclaimed missions
and gives their money back, honours a claimed one, and keeps each round's results apart."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from backend.webhooks.models import WebhookMessage
from tests.support.campaigns import campaign_body, euros
from tests.support.factories import StoreFactory
from tests.support.ledger import problems
from tests.support.processes import wait_until
from tests.support.rounds import (
    API,
    DAY,
    approve,
    brand,
    claim,
    missions,
    results,
    rounds,
    sweep,
    top_up,
    weekly,
)

__all__ = ["brand"]  # the fixture, used by name


def test_a_weekly_campaign_opens_funds_and_closes_its_rounds(client, db, make, auth_headers, brand):
    _user, headers = brand
    assert top_up(client, headers, 10_000) == euros(10_000)
    campaign, stores = weekly(client, make, brand)
    cid = campaign["id"]
    published_at = datetime.fromisoformat(campaign["published_at"])
    assert campaign["rounds"] == {
        "current": 1,
        "next_opens_at": (published_at + 7 * DAY).isoformat(),
        "hold": None,
    }
    first = missions(db, cid)
    claim(client, make, auth_headers, first[(stores[0], 1)][0])
    approve(db, make, brand, first[(stores[1], 1)][0], out_of_stock=["A-1"])

    assert sweep(campaign, 6) == 0  # a day early: nothing opens
    assert [r["round"] for r in rounds(client, headers, cid)] == [1]

    assert sweep(campaign, 7) == 1
    now = missions(db, cid)
    assert sorted(k for k in now if k[1] == 2) == sorted((s, 2) for s in stores)
    assert {k: v[1] for k, v in now.items()} == {
        (stores[0], 1): "claimed",  # honoured
        (stores[1], 1): "completed",
        (stores[2], 1): "cancelled",  # unclaimed: closed
        **{(s, 2): "open" for s in stores},
    }
    listed = rounds(client, headers, cid)
    assert [(r["round"], r["funded"], r["missions"]) for r in listed] == [
        (1, euros(1800), {"open": 0, "claimed": 1, "submitted": 0, "approved": 1, "closed": 1}),
        (2, euros(1800), {"open": 3, "claimed": 0, "submitted": 0, "approved": 0, "closed": 0}),
    ]
    assert listed[1]["opened_at"] == (published_at + 7 * DAY).isoformat()
    # Round 2 paid from the balance; the closed mission's 600 came back to it.
    balance = client.get(f"{API}/organisation/balance", headers=headers).json["balance"]
    assert balance == euros(10_000 - 1800 + 600)
    shown = client.get(f"{API}/campaigns/{cid}", headers=headers).json
    assert shown["spend"] == {
        "funded": euros(1800 + 1800 - 600),
        "spent": euros(600),
        "remaining": euros(600 + 1800),  # the claimed mission's and round 2's
    }
    assert shown["rounds"]["current"] == 2
    assert shown["rounds"]["next_opens_at"] == (published_at + 14 * DAY).isoformat()
    assert problems(db) == []  # the ledger balances, no account overdrawn

    # Run again at the same time (a second beat, a retry): round 2 opens once.
    assert sweep(campaign, 7) == 0
    assert sweep(campaign, 7.5) == 0
    assert len(missions(db, cid)) == 6
    assert len(rounds(client, headers, cid)) == 2

    approve(db, make, brand, now[(stores[1], 2)][0], out_of_stock=[])
    one, two = results(client, headers, cid, "?round=1"), results(client, headers, cid, "?round=2")
    assert one.status_code == two.status_code == 200
    assert {i["round"] for i in one.json["items"]} == {1}
    assert {i["round"] for i in two.json["items"]} == {2}
    assert {i["mission_id"] for i in one.json["items"]} == {
        v[0] for k, v in now.items() if k[1] == 1
    }
    by_store = {i["store"]["id"]: i for i in one.json["items"]}
    assert by_store[stores[1]]["result"]["answers"][0]["out_of_stock"] is True
    by_store = {i["store"]["id"]: i for i in two.json["items"]}
    assert by_store[stores[1]]["result"]["answers"][0]["out_of_stock"] is False
    every = results(client, headers, cid).json["items"]
    assert sorted(i["round"] for i in every) == [1, 1, 1, 2, 2, 2]
    rows = list(
        csv.DictReader(io.StringIO(results(client, headers, cid, "?format=csv&round=2").text))
    )
    assert {r["round"] for r in rows} == {"2"}
    assert len(rows) == 3 * 2
    geo = results(client, headers, cid, "?format=geojson&round=1").json
    assert {f["properties"]["round"] for f in geo["features"]} == {1}
    for bad in ("0", "3", "x"):
        refused = results(client, headers, cid, f"?round={bad}")
        assert refused.status_code == 422, bad
        assert "round" in str(refused.json["errors"]), bad

    trend = client.get(f"{API}/campaigns/{cid}/results/out-of-stock-trend", headers=headers)
    assert trend.status_code == 200, trend.json
    assert trend.json["rounds"] == [1, 2]
    by_store = {i["store"]["id"]: i["rounds"] for i in trend.json["items"]}
    assert by_store[stores[1]] == [
        {"round": 1, "out_of_stock": ["A-1"]},
        {"round": 2, "out_of_stock": []},
    ]
    assert by_store[stores[2]] == [
        {"round": 1, "out_of_stock": None},
        {"round": 2, "out_of_stock": None},
    ]

    cancelled = client.post(f"{API}/campaigns/{cid}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.json
    assert sweep(campaign, 14) == 0  # no round 3
    after = missions(db, cid)
    assert {k[1] for k in after} == {1, 2}
    assert after[(stores[0], 1)][1] == "claimed"  # still honoured
    assert [after[(s, 2)][1] for s in stores] == ["cancelled", "completed", "cancelled"]


def test_a_round_the_balance_cannot_cover_waits_and_says_why(client, db, make, auth_headers, brand):
    _user, headers = brand
    hook = client.post(
        f"{API}/webhooks",
        json={"url": "https://hooks.example.com/in", "events": ["campaign.budget_low"]},
        headers=headers,
    )
    assert hook.status_code == 201, hook.json
    campaign, stores = weekly(client, make, brand, stores=2)
    cid = campaign["id"]
    first = missions(db, cid)
    claim(client, make, auth_headers, first[(stores[0], 1)][0])
    # Round 2 needs 1200; the balance is empty and the unclaimed mission would give 600 back.
    assert sweep(campaign, 7) == 0
    assert sweep(campaign, 8) == 0
    shown = client.get(f"{API}/campaigns/{cid}", headers=headers).json
    hold = shown["rounds"]["hold"]
    assert hold["code"] == "insufficient_balance"
    assert "balance does not cover" in hold["detail"]
    assert shown["rounds"]["current"] == 1
    assert missions(db, cid)[(stores[1], 1)][1] == "open"  # nothing closed either
    with db.transaction(write=False) as session:
        sent = session.scalars(
            select(WebhookMessage.payload).where(WebhookMessage.event_type == "campaign.budget_low")
        ).all()
    assert len(sent) == 1  # once, however many sweeps find it short
    assert sent[0]["data"]["reason"] == "insufficient_balance"
    assert sent[0]["data"]["needed"] == euros(1200)
    assert sent[0]["data"]["available"] == euros(600)

    top_up(client, headers, 600)
    assert sweep(campaign, 8) == 1
    shown = client.get(f"{API}/campaigns/{cid}", headers=headers).json
    assert shown["rounds"]["current"] == 2
    assert shown["rounds"]["hold"] is None
    balance = client.get(f"{API}/organisation/balance", headers=headers).json["balance"]
    assert balance == euros(0)
    assert problems(db) == []


def test_the_schedule_is_checked_and_fixed_once_published(client, make, brand):
    user, headers = brand
    store = make(StoreFactory, brand_id=user.brand_id).id
    for every in (0, 366, "7", None):
        body = campaign_body([store], schedule={"every_days": every})
        refused = client.post(f"{API}/campaigns", json=body, headers=headers)
        assert refused.status_code == 422, every
        assert "schedule" in str(refused.json["errors"]), refused.json
    plain = client.post(f"{API}/campaigns", json=campaign_body([store]), headers=headers).json
    assert plain["schedule"] is None
    made = client.patch(
        f"{API}/campaigns/{plain['id']}", json={"schedule": {"every_days": 14}}, headers=headers
    )
    assert made.status_code == 200
    assert made.json["schedule"] == {"every_days": 14}
    assert client.post(f"{API}/campaigns/{plain['id']}/publish", headers=headers).status_code == 200
    fixed = client.patch(f"{API}/campaigns/{plain['id']}", json={"schedule": None}, headers=headers)
    assert fixed.status_code == 422
    assert "schedule" in fixed.json["errors"], fixed.json
    for amount in ({"amount_minor": 0, "currency": "EUR"}, {"amount_minor": 5, "currency": "USD"}):
        bad = client.post(
            f"{API}/organisation/balance/top-ups", json={"amount": amount}, headers=headers
        )
        assert bad.status_code == 422, bad.json


def test_the_sweep_is_on_the_beat(app):
    schedule = app.extensions["celery"].conf.beat_schedule["campaigns-open-due-rounds"]
    assert schedule == {"task": "campaigns.open_due_rounds", "schedule": 900.0}


@pytest.mark.integration
def test_a_real_worker_opens_the_round_that_is_due(client, db, make, brand, start_worker, app):
    _user, headers = brand
    top_up(client, headers, 5_000)
    campaign, _stores = weekly(client, make, brand, stores=2)
    start_worker()
    at = datetime.fromisoformat(campaign["published_at"]) + 7 * DAY
    app.extensions["celery"].send_task("campaigns.open_due_rounds", kwargs={"now": at.isoformat()})
    wait_until(lambda: len(rounds(client, headers, campaign["id"])) == 2, 60, "round 2")
    assert len(missions(db, campaign["id"])) == 4
