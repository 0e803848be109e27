"""The pay floor at publish, per-store bonuses, and show-up pay fixed as missions open."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.campaigns import rules
from backend.config import BadSetting
from backend.kernel.money import Money
from backend.ledger import service as ledger
from backend.ledger.rules import show_up_pay
from backend.missions.models import Mission
from backend.settings import defaults_with, override_settings
from tests.support.campaigns import campaign_body
from tests.support.factories import StoreFactory, UserFactory


def euros(amount_minor: int) -> dict[str, object]:
    return {"amount_minor": amount_minor, "currency": "EUR"}


# Pure rules.


def test_pay_rules_come_from_the_settings_and_a_bad_one_is_named():
    assert rules.pay_rules(defaults_with()) == rules.PayRules(
        floor=Money(1200, "EUR"),
        travel_allowance_minutes=15,
        show_up_share_percent=50,
        show_up_min=Money(200, "EUR"),
    )
    from_env = rules.pay_rules(defaults_with(TRAVEL_ALLOWANCE_MINUTES="20", MIN_HOURLY="9 USD"))
    assert (from_env.travel_allowance_minutes, from_env.floor) == (20, Money(900, "USD"))
    for key, bad in (
        ("MIN_HOURLY", "12,00 EUR"),
        ("TRAVEL_ALLOWANCE_MINUTES", "-1"),
        ("SHOW_UP_SHARE_PERCENT", "101"),
        ("SHOW_UP_MIN", 2),
    ):
        with pytest.raises(BadSetting, match=f"FAIRFIELD_{key}"):
            defaults_with(**{key: bad})


def test_the_floor_rate_and_least_reward_are_integer_arithmetic():
    # 3.00 EUR for 20 minutes and 15 of travel: 3.00 / (35/60 h) = 5.14 EUR/h, rounded down.
    assert rules.hourly_rate(300, 35) == 514
    assert rules.least_pay(1200, 35) == 700  # 12.00 x 35/60, exactly
    assert rules.least_pay(1200, 37) == 740
    assert rules.least_pay(1000, 7) == 117  # 116.67, rounded up to the minor unit
    assert rules.hourly_rate(117, 7) >= 1000 > rules.hourly_rate(116, 7)


def shortfall(reward: int, bonuses: dict[int, int]) -> rules.Shortfall | None:
    return rules.pay_floor_shortfall(
        reward_minor=reward,
        bonus_counts=bonuses,
        est_minutes=20,
        allowance_minutes=15,
        floor_minor=1200,
    )


def test_each_mission_is_held_to_the_floor_with_its_bonus():
    assert shortfall(300, {0: 4}) == rules.Shortfall(
        below=4, rate_minor=514, least_reward_minor=700
    )
    assert shortfall(700, {0: 4}) is None  # exactly the floor passes
    assert shortfall(699, {0: 1}) == rules.Shortfall(1, 1198, 700)
    assert shortfall(900, {0: 4}) is None
    # A bonus lifts its stores; the least reward is what the store without one needs.
    assert shortfall(300, {400: 3}) is None
    assert shortfall(300, {400: 3, 0: 2}) == rules.Shortfall(2, 514, 700)
    assert shortfall(300, {400: 3, 100: 2}) == rules.Shortfall(2, 685, 600)
    assert shortfall(300, {}) is None


def test_show_up_pay_is_a_share_at_least_the_minimum_at_most_the_pay():
    def show_up(pay: int, share: int = 50, minimum: int = 200) -> int:
        return show_up_pay(pay, share, minimum)

    assert show_up(900) == 450
    assert show_up(901) == 451  # 450.5, half up
    assert show_up(903, share=33) == 298  # 297.99
    assert show_up(300) == 200  # the minimum
    assert show_up(150) == 150  # never more than the pay
    assert show_up(900, share=0, minimum=0) == 0
    assert show_up(900, share=100) == 900


def test_bonus_problems_name_the_bonus_and_its_field():
    bonuses = [
        {"store_id": "a", "amount": euros(100)},
        {"store_id": "z", "amount": euros(100)},
        {"store_id": "a", "amount": {"amount_minor": 100, "currency": "USD"}},
    ]
    errors = rules.bonus_problems(bonuses, reward_currency="EUR", store_ids=["a", "b"])
    assert set(errors) == {"bonuses.1.store_id", "bonuses.2.store_id", "bonuses.2.amount.currency"}
    assert rules.bonus_problems(bonuses[:1], reward_currency="EUR", store_ids=["a"]) == {}


# Through the API.


@pytest.fixture
def brand(make, auth_headers):
    user = make(UserFactory, brand_user=True)
    stores = [make(StoreFactory, brand_id=user.brand_id) for _ in range(3)]
    return auth_headers(user), [s.id for s in stores]


def create(client, headers, body):
    created = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.json
    return created.json["id"]


def publish(client, headers, campaign_id):
    return client.post(f"/api/v1/campaigns/{campaign_id}/publish", headers=headers)


def missions(db, campaign_id):
    with db.transaction(write=False) as session:
        return session.execute(
            select(Mission.store_id, Mission.status, Mission.bonus_minor, Mission.show_up_minor)
            .where(Mission.campaign_id == campaign_id)
            .order_by(Mission.store_id)
        ).all()


def funded(db, campaign_id):
    with db.transaction(write=False) as session:
        return ledger.balance(db_session=session, account=f"campaign:{campaign_id}", currency="EUR")


def test_3_euros_for_20_minutes_is_refused_and_9_euros_publishes(client, db, brand):
    headers, store_ids = brand
    cheap = create(client, headers, campaign_body(store_ids, reward=euros(300), est_minutes=20))
    refused = publish(client, headers, cheap)
    assert refused.status_code == 422
    assert refused.content_type == "application/problem+json"
    body = refused.json
    assert body["code"] == "below_pay_floor"
    assert body["rate"] == euros(514)
    assert body["floor"] == euros(1200)
    assert body["least_reward"] == euros(700)
    assert body["missions_below"] == 3
    assert "5.14 EUR" in body["detail"]
    assert "7.00 EUR" in body["detail"]
    assert "reward.amount_minor" in body["errors"]
    assert {m.status for m in missions(db, cheap)} == {"draft"}
    assert funded(db, cheap) == 0

    fair = create(client, headers, campaign_body(store_ids, reward=euros(900), est_minutes=20))
    published = publish(client, headers, fair)
    assert published.status_code == 200, published.json
    assert published.json["missions"] == {"open": 3}
    # Show-up pay is fixed as the missions open: half of 9.00 EUR.
    assert [(m.status, m.show_up_minor) for m in missions(db, fair)] == [("open", 450)] * 3
    assert funded(db, fair) == 3 * 900


def test_the_least_reward_passes_and_one_minor_unit_less_does_not(client, db, brand):
    headers, store_ids = brand
    below = create(client, headers, campaign_body(store_ids, reward=euros(699), est_minutes=20))
    assert publish(client, headers, below).json["least_reward"] == euros(700)
    at = create(client, headers, campaign_body(store_ids, reward=euros(700), est_minutes=20))
    assert publish(client, headers, at).status_code == 200
    assert {m.show_up_minor for m in missions(db, at)} == {350}


def test_bonuses_lift_far_stores_above_the_floor(client, db, brand):
    headers, (near, far, farther) = brand
    bonuses = [{"store_id": far, "amount": euros(400)}, {"store_id": farther, "amount": euros(500)}]
    body = campaign_body([near, far, farther], reward=euros(300), est_minutes=20)
    partly = create(client, headers, body | {"bonuses": bonuses})
    refused = publish(client, headers, partly)
    assert refused.status_code == 422
    assert refused.json["code"] == "below_pay_floor"
    assert refused.json["missions_below"] == 1  # the near store, with no bonus
    assert refused.json["rate"] == euros(514)
    assert refused.json["least_reward"] == euros(700)
    assert "1 of 3 missions" in refused.json["detail"]

    everywhere = [*bonuses, {"store_id": near, "amount": euros(400)}]
    lifted = create(client, headers, body | {"bonuses": everywhere})
    assert publish(client, headers, lifted).status_code == 200
    by_store = {m.store_id: (m.bonus_minor, m.show_up_minor) for m in missions(db, lifted)}
    assert by_store == {near: (400, 350), far: (400, 350), farther: (500, 400)}
    # The brand funds the rewards and the bonuses; a worker sees the bonus in the reward.
    assert funded(db, lifted) == 3 * 300 + 400 + 400 + 500


def test_bonuses_are_validated_naming_the_field(client, brand, make):
    headers, store_ids = brand
    elsewhere = make(StoreFactory).id
    for bonus, field in (
        ({"store_id": elsewhere, "amount": euros(100)}, "bonuses.0.store_id"),
        (
            {"store_id": store_ids[0], "amount": {"amount_minor": 100, "currency": "USD"}},
            "bonuses.0.amount.currency",
        ),
        (
            {"store_id": store_ids[0], "amount": {"amount_minor": -1, "currency": "EUR"}},
            "bonuses.0.amount.amount_minor",
        ),
        ({"store_id": store_ids[0]}, "bonuses.0.amount"),
    ):
        body = campaign_body(store_ids, bonuses=[bonus])
        refused = client.post("/api/v1/campaigns", json=body, headers=headers)
        assert refused.status_code == 422, bonus
        assert field in refused.json["errors"], (field, refused.json["errors"])
    twice = [{"store_id": store_ids[0], "amount": euros(100)}] * 2
    refused = client.post(
        "/api/v1/campaigns", json=campaign_body(store_ids, bonuses=twice), headers=headers
    )
    assert "bonuses.1.store_id" in refused.json["errors"]


def test_show_up_pay_is_at_least_the_minimum_and_at_most_the_pay(app, client, db, brand):
    headers, (first, second, _third) = brand
    override_settings(app, SHOW_UP_MIN="8.00 EUR")
    body = campaign_body([first, second], reward=euros(700), est_minutes=20)
    campaign = create(
        client, headers, body | {"bonuses": [{"store_id": second, "amount": euros(200)}]}
    )
    assert publish(client, headers, campaign).status_code == 200
    by_store = {m.store_id: m.show_up_minor for m in missions(db, campaign)}
    assert by_store == {first: 700, second: 800}  # the minimum, capped by each one's pay


def test_a_floor_in_another_currency_refuses_naming_the_currency(app, client, db, brand):
    headers, store_ids = brand
    override_settings(app, MIN_HOURLY="12.00 USD")
    campaign = create(client, headers, campaign_body(store_ids))
    refused = publish(client, headers, campaign)
    assert refused.status_code == 422
    assert refused.json["code"] == "pay_floor_currency"
    assert "EUR" in refused.json["detail"]
    assert refused.json["currency"] == "EUR"
    assert {m.status for m in missions(db, campaign)} == {"draft"}
