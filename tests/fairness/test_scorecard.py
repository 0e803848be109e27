"""GET /brands/{id}/scorecard: exact figures on a known world, the window, who may read it."""

from __future__ import annotations

import pytest

from tests.fairness import DAY, HOUR, build_world
from tests.support.factories import BrandFactory, UserFactory


def scorecard_url(brand_id: str, **query: int) -> str:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/brands/{brand_id}/scorecard" + (f"?{args}" if args else "")


@pytest.fixture
def world(db, make):
    return build_world(db, make)


@pytest.fixture
def worker_headers(world, auth_headers):
    return auth_headers(world.worker)


def test_scorecard_gives_each_figure_with_its_sample(client, world, worker_headers):
    response = client.get(scorecard_url(world.brand_a.id), headers=worker_headers)
    assert response.status_code == 200, response.json
    card = response.json
    assert card["brand"] == {"id": world.brand_a.id, "name": world.brand_a.name}
    assert card["window"]["days"] == 90
    # First decisions 1..6 hours after receipt; appeal decisions and the old one do not count.
    assert card["time_to_decision"] == {"count": 6, "median_seconds": 3.5 * HOUR}
    # Final statuses: four approved (one after appeal), two rejected; one still in review.
    assert card["rejection"] == {"decided": 6, "rejected": 2, "rate": pytest.approx(1 / 3)}
    assert card["appeal_reversal"] == {"decided": 2, "approved": 1, "share": 0.5}
    # 1200, 1200, 900, 900 per active hour: the median is between the middle two.
    assert card["hourly_pay"] == {
        "count": 4,
        "median": {"amount_minor": 1050, "currency": "EUR"},
        "travel_allowance_minutes": 15,
    }
    # Platform-wide: requests paid after 2 and 4 days; the pending one and the old one not.
    assert card["payout_delay"] == {"scope": "platform", "count": 2, "median_seconds": 3 * DAY}


def test_a_wider_window_takes_in_older_submissions_and_payouts(client, world, worker_headers):
    card = client.get(scorecard_url(world.brand_a.id, days=365), headers=worker_headers).json
    assert card["window"]["days"] == 365
    assert card["time_to_decision"] == {"count": 7, "median_seconds": 3 * HOUR}
    assert card["rejection"]["decided"] == 7
    assert card["rejection"]["rate"] == pytest.approx(2 / 7)
    assert card["hourly_pay"]["count"] == 5
    assert card["hourly_pay"]["median"]["amount_minor"] == 1200
    assert card["payout_delay"]["count"] == 3
    assert card["payout_delay"]["median_seconds"] == 2 * DAY


def test_other_brand_figures_are_its_own(client, world, worker_headers):
    card = client.get(scorecard_url(world.brand_b.id), headers=worker_headers).json
    assert card["time_to_decision"] == {"count": 2, "median_seconds": (0.5 + 8) / 2 * HOUR}
    assert card["rejection"] == {"decided": 2, "rejected": 1, "rate": 0.5}
    assert card["appeal_reversal"] == {"decided": 0, "approved": 0, "share": None}
    assert card["hourly_pay"]["median"] == {"amount_minor": 320, "currency": "EUR"}


def test_a_brand_without_submissions_has_null_figures(client, make, auth_headers):
    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory))
    card = client.get(scorecard_url(brand.id), headers=headers).json
    assert card["time_to_decision"] == {"count": 0, "median_seconds": None}
    assert card["rejection"] == {"decided": 0, "rejected": 0, "rate": None}
    assert card["appeal_reversal"]["share"] is None
    assert card["hourly_pay"]["median"] is None
    assert card["payout_delay"] == {"scope": "platform", "count": 0, "median_seconds": None}


@pytest.mark.parametrize("role", ["worker", "brand", "admin"])
def test_any_signed_in_user_may_read_a_scorecard(client, make, auth_headers, role):
    brand = make(BrandFactory)
    extra = {"brand": make(BrandFactory)} if role == "brand" else {}
    headers = auth_headers(make(UserFactory, role=role, **extra))
    assert client.get(scorecard_url(brand.id), headers=headers).status_code == 200
    assert client.get(scorecard_url(brand.id)).status_code == 401


def test_unknown_brand_and_bad_window_are_refused(client, make, auth_headers):
    headers = auth_headers(make(UserFactory))
    missing = client.get(scorecard_url("no-such-brand"), headers=headers)
    assert missing.status_code == 404
    assert missing.json["code"] == "not_found"
    assert missing.json["detail"] == "No brand with this id is visible to you."
    brand = make(BrandFactory)
    bad = client.get(scorecard_url(brand.id, days=0), headers=headers)
    assert bad.status_code == 422
    assert "days" in str(bad.json["errors"])
