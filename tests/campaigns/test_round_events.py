"""What a recurring campaign's systems hear: `campaign.budget_low` once per round (the 10 %
rule and a round held for want of balance each have their own), `campaign.completed` only
when no round is left to open; and a sweep that one failing campaign does not stop. Time
injected; both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from backend.campaigns import rounds as rounds_service
from backend.webhooks.models import WebhookMessage
from tests.support.rounds import API, approve, brand, missions, sweep, top_up, weekly
from workers.campaigns import open_due_rounds

__all__ = ["brand"]  # the fixture, used by name


def subscribe(client, headers, events):
    hook = client.post(
        f"{API}/webhooks",
        json={"url": "https://hooks.example.com/in", "events": events},
        headers=headers,
    )
    assert hook.status_code == 201, hook.json


def sent(db, event_type):
    with db.transaction(write=False) as session:
        return session.scalars(
            select(WebhookMessage.payload)
            .where(WebhookMessage.event_type == event_type)
            .order_by(WebhookMessage.created_at)
        ).all()


def test_a_round_held_after_the_last_one_ran_low_is_still_said(client, db, make, brand):
    _user, headers = brand
    subscribe(client, headers, ["campaign.budget_low"])
    campaign, stores = weekly(client, make, brand, stores=2)
    first = missions(db, campaign["id"])
    for store in stores:  # round 1 done: nothing of its funding remains
        approve(db, make, brand, first[(store, 1)][0], out_of_stock=[])
    low = sent(db, "campaign.budget_low")
    assert len(low) == 1
    assert "reason" not in low[0]["data"]  # the 10 % rule's

    assert sweep(campaign, 7) == 0  # round 2 due, the balance empty: held
    assert sweep(campaign, 8) == 0
    held = sent(db, "campaign.budget_low")
    assert len(held) == 2, "the hold was silenced by the 10 % rule's event"
    assert held[1]["data"]["reason"] == "insufficient_balance"
    assert held[1]["data"]["round"] == 2

    top_up(client, headers, 1200)
    assert sweep(campaign, 8) == 1
    second = missions(db, campaign["id"])
    for store in stores:  # round 2 runs low of its own
        approve(db, make, brand, second[(store, 2)][0], out_of_stock=[])
    assert len(sent(db, "campaign.budget_low")) == 3


def test_a_recurring_campaign_is_completed_only_when_no_round_is_left(client, db, make, brand):
    _user, headers = brand
    subscribe(client, headers, ["campaign.completed"])
    top_up(client, headers, 10 * 1200)
    # Rounds open at 0, 7, 14, 21 and 28 days; the campaign ends at 30 days.
    campaign, stores = weekly(client, make, brand, stores=2)
    for round_no, day in ((1, None), (2, 7), (3, 14), (4, 21), (5, 28)):
        if day is not None:
            assert sweep(campaign, day) == 1
        found = missions(db, campaign["id"])
        for store in stores:
            approve(db, make, brand, found[(store, round_no)][0], out_of_stock=[])
        done = sent(db, "campaign.completed")
        if round_no < 5:
            assert done == [], f"completed after round {round_no}, with rounds to come"
    assert len(done) == 1
    assert done[0]["data"]["campaign_id"] == campaign["id"]


def test_one_campaign_failing_keeps_no_other_round_shut(client, db, make, brand, monkeypatch):
    _user, headers = brand
    top_up(client, headers, 10 * 1200)
    broken, _ = weekly(client, make, brand, stores=2)
    fine, _ = weekly(client, make, brand, stores=2)
    real = rounds_service.open_due_round

    def open_or_fail(*, db_session, campaign_id, now, **kwargs):
        if campaign_id == broken["id"]:
            raise RuntimeError("a campaign that fails every time")
        return real(db_session=db_session, campaign_id=campaign_id, now=now, **kwargs)

    monkeypatch.setattr(rounds_service, "open_due_round", open_or_fail)
    # An instant without an offset, as a person typing it would send it: UTC.
    naive = (datetime.fromisoformat(fine["published_at"]) + timedelta(days=7)).replace(tzinfo=None)
    with pytest.raises(RuntimeError, match="1 campaign"):
        open_due_rounds(now=naive.isoformat())
    assert {r for _s, r in missions(db, fine["id"])} == {1, 2}
    assert {r for _s, r in missions(db, broken["id"])} == {1}
