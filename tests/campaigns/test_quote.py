"""POST /campaigns/quote: the pay check publishing makes, asked before there is a campaign."""

from __future__ import annotations

import pytest

from backend.campaigns import rules
from backend.settings import override_settings
from tests.support.campaigns import campaign_body, euros
from tests.support.factories import StoreFactory, UserFactory

PROBLEM = "application/problem+json"


@pytest.fixture
def brand(make, auth_headers):
    user = make(UserFactory, brand_user=True)
    stores = [make(StoreFactory, brand_id=user.brand_id) for _ in range(2)]
    return auth_headers(user), [s.id for s in stores], user.brand_id


def quote(client, headers, **body):
    return client.post("/api/v1/campaigns/quote", json=body, headers=headers)


def publishes(client, headers, store_ids, reward, est_minutes):
    """Whether publishing a fresh campaign of this reward is accepted (422 below the floor)."""
    body = campaign_body(store_ids, reward=euros(reward), est_minutes=est_minutes)
    created = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.json
    published = client.post(f"/api/v1/campaigns/{created.json['id']}/publish", headers=headers)
    assert published.status_code in (200, 422), published.json
    if published.status_code == 422:
        assert published.json["code"] == "below_pay_floor"
    return published.status_code == 200


def test_pay_quote_is_the_publishing_rule():
    # 3.00 EUR for 20 minutes and 15 of travel: 5.14 EUR per hour, 7.00 EUR passes.
    assert rules.pay_quote(
        reward_minor=300, missions=1, est_minutes=20, allowance_minutes=15, floor_minor=1200
    ) == rules.PayQuote(rate_minor=514, least_reward_minor=700, passes=False, minutes=35)
    for reward in range(690, 711):
        quoted = rules.pay_quote(
            reward_minor=reward, missions=4, est_minutes=20, allowance_minutes=15, floor_minor=1200
        )
        short = rules.pay_floor_shortfall(
            reward_minor=reward,
            bonus_counts={0: 4},
            est_minutes=20,
            allowance_minutes=15,
            floor_minor=1200,
        )
        assert quoted.passes is (short is None)
        assert quoted.least_reward_minor == 700
        assert quoted.passes is (reward >= quoted.least_reward_minor)


def test_a_quote_says_the_rate_the_floor_and_the_least_passing_reward(client, brand):
    headers, _stores, _brand_id = brand
    response = quote(client, headers, reward=euros(300), est_minutes=20)
    assert response.status_code == 200, response.json
    assert response.json == {
        "effective_hourly_rate": euros(514),
        "floor": euros(1200),
        "least_passing_reward": euros(700),
        "passes": False,
        "travel_minutes": 15,
        "form_minutes": 1,  # the default form over one product: well under est_minutes
    }
    fair = quote(client, headers, reward=euros(900), est_minutes=20).json
    assert fair["passes"] is True
    assert fair["effective_hourly_rate"] == euros(1542)
    assert fair["least_passing_reward"] == euros(700)


@pytest.mark.parametrize("est_minutes", [20, 37])
def test_quote_passes_exactly_when_publishing_does(client, brand, est_minutes):
    headers, store_ids, _brand_id = brand
    least = quote(client, headers, reward=euros(1), est_minutes=est_minutes).json
    least = least["least_passing_reward"]["amount_minor"]
    for reward in (least - 1, least, least + 1):
        for targets in (None, store_ids):
            body = {"reward": euros(reward), "est_minutes": est_minutes}
            if targets is not None:
                body["store_ids"] = targets
            answer = quote(client, headers, **body)
            assert answer.status_code == 200, answer.json
            assert answer.json["least_passing_reward"] == euros(least)
            assert answer.json["passes"] is (reward >= least)
        assert publishes(client, headers, store_ids, reward, est_minutes) is (reward >= least)


def test_the_quote_follows_the_settings(app, client, brand):
    headers, _stores, _brand_id = brand
    override_settings(app, MIN_HOURLY="10.00 EUR", TRAVEL_ALLOWANCE_MINUTES=25)
    answer = quote(client, headers, reward=euros(750), est_minutes=20).json
    assert answer["floor"] == euros(1000)
    assert answer["travel_minutes"] == 25
    assert answer["least_passing_reward"] == euros(750)  # 10.00 x 45/60
    assert answer["effective_hourly_rate"] == euros(1000)
    assert answer["passes"] is True


def test_bad_input_is_422_naming_the_field(client, make, brand):
    headers, store_ids, _brand_id = brand
    foreign = make(StoreFactory).id
    for body, field in (
        ({"reward": euros(0), "est_minutes": 20}, "reward.amount_minor"),
        ({"reward": euros(rules.REWARD_MAX_MINOR + 1), "est_minutes": 20}, "reward.amount_minor"),
        (
            {"reward": {"amount_minor": 900, "currency": "USD"}, "est_minutes": 20},
            "reward.currency",
        ),
        ({"reward": {"amount_minor": 900, "currency": "eur"}, "est_minutes": 20}, "reward"),
        ({"reward": euros(900), "est_minutes": 0}, "est_minutes"),
        ({"reward": euros(900), "est_minutes": "20"}, "est_minutes"),
        ({"reward": euros(900)}, "est_minutes"),
        ({"est_minutes": 20}, "reward"),
        ({"reward": euros(900), "est_minutes": 20, "store_ids": []}, "store_ids"),
        ({"reward": euros(900), "est_minutes": 20, "store_ids": ["nope"]}, "store_ids"),
        ({"reward": euros(900), "est_minutes": 20, "store_ids": [foreign]}, "store_ids"),
        (
            {"reward": euros(900), "est_minutes": 20, "store_ids": [store_ids[0]] * 2},
            "store_ids",
        ),
        ({"reward": euros(900), "est_minutes": 20, "extra": 1}, "extra"),
    ):
        response = quote(client, headers, **body)
        assert response.status_code == 422, (body, response.json)
        assert response.content_type == PROBLEM
        errors = response.json["errors"]
        assert any(key == field or key.startswith(f"{field}.") for key in errors), (body, errors)


def test_a_floor_in_another_currency_is_named(app, client, brand):
    headers, _stores, _brand_id = brand
    override_settings(app, MIN_HOURLY="12.00 USD")
    response = quote(client, headers, reward=euros(900), est_minutes=20)
    assert response.status_code == 422
    assert response.json["code"] == "pay_floor_currency"
    assert "reward.currency" in response.json["errors"]


def test_brand_side_only_and_an_admin_names_the_brand_for_stores(client, make, auth_headers, brand):
    _headers, store_ids, brand_id = brand
    body = {"reward": euros(900), "est_minutes": 20}
    assert client.post("/api/v1/campaigns/quote", json=body).status_code == 401
    worker = auth_headers(make(UserFactory))
    assert quote(client, worker, **body).status_code == 403

    admin = auth_headers(make(UserFactory, admin=True))
    assert quote(client, admin, **body).json["passes"] is True
    unnamed = quote(client, admin, **body, store_ids=store_ids)
    assert unnamed.status_code == 422
    assert "brand_id" in unnamed.json["errors"]
    named = quote(client, admin, **body, store_ids=store_ids, brand_id=brand_id)
    assert named.status_code == 200, named.json
    other = make(UserFactory, brand_user=True).brand_id
    elsewhere = quote(client, admin, **body, store_ids=store_ids, brand_id=other)
    assert elsewhere.status_code == 422
    assert "store_ids" in elsewhere.json["errors"]
