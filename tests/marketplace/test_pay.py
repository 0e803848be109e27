"""Pay with travel before a claim, and a claim window that allows for the trip, via HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from backend.missions.models import Mission
from backend.settings import override_settings
from tests.support.factories import BrandFactory, UserFactory
from tests.support.world import build

STORE = (50.8467, 4.3525)
NEXT_DOOR = (50.8468, 4.3525)  # about 11 m
THREE_KM = (50.8737, 4.3525)  # 0.027 degrees north: about 3.0 km, 40 minutes on foot


def euros(amount_minor: int) -> dict[str, object]:
    return {"amount_minor": amount_minor, "currency": "EUR"}


@pytest.fixture
def mission(db, make):
    brand = make(BrandFactory)
    _cid, (mission_id,) = build(db, brand.id, [STORE], reward=600, est_minutes=15)
    return mission_id


def nearby_from(client, headers, position):
    response = client.get(
        "/api/v1/missions/nearby",
        query_string={"latitude": position[0], "longitude": position[1], "radius_m": 5000},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    (item,) = response.json["items"]
    return item


def test_a_worker_3_km_away_sees_a_lower_rate_than_one_next_door(
    client, make, auth_headers, mission
):
    worker = auth_headers(make(UserFactory))
    near = nearby_from(client, worker, NEXT_DOOR)
    far = nearby_from(client, worker, THREE_KM)
    assert near["estimate"] == {
        "travel_minutes": 0,
        "in_store_minutes": 15,
        "distance_m": near["distance_m"],
    }
    assert near["effective_hourly_rate"] == euros(2400)  # 6.00 EUR for 15 minutes
    assert 2990 < far["distance_m"] < 3010
    assert far["estimate"] == {
        "travel_minutes": 40,
        "in_store_minutes": 15,
        "distance_m": far["distance_m"],
    }
    assert far["effective_hourly_rate"] == euros(654)  # 6.00 EUR for 55 minutes, rounded down
    assert near["reward"] == far["reward"] == euros(600)
    assert near["bonus"] == euros(0)

    # The same figures on the mission itself, for the position given.
    url = f"/api/v1/missions/{mission}"
    one = client.get(
        url, headers=worker, query_string={"latitude": THREE_KM[0], "longitude": THREE_KM[1]}
    )
    assert one.status_code == 200
    assert one.json["estimate"] == far["estimate"]
    assert one.json["effective_hourly_rate"] == euros(654)
    # Without a position the trip is unknown, and so is the rate.
    blind = client.get(url, headers=worker).json
    assert blind["estimate"] == {"travel_minutes": None, "in_store_minutes": 15, "distance_m": None}
    assert blind["effective_hourly_rate"] is None
    half = client.get(url, headers=worker, query_string={"latitude": THREE_KM[0]})
    assert half.status_code == 422
    assert "longitude" in half.json["errors"]


def test_a_bonus_is_part_of_the_reward_and_of_the_rate(client, db, make, auth_headers, mission):
    with db.transaction() as session:
        session.execute(update(Mission).where(Mission.id == mission).values(bonus_minor=300))
    worker = auth_headers(make(UserFactory))
    far = nearby_from(client, worker, THREE_KM)
    assert far["reward"] == euros(900)
    assert far["bonus"] == euros(300)
    assert far["effective_hourly_rate"] == euros(981)  # 9.00 EUR for 55 minutes
    one = client.get(f"/api/v1/missions/{mission}", headers=worker).json
    assert (one["reward"], one["bonus"]) == (euros(900), euros(300))


def minutes_left(expires_at: str) -> float:
    return (datetime.fromisoformat(expires_at) - datetime.now(UTC)) / timedelta(minutes=1)


def claim_from(client, headers, mission_id, position):
    body = None if position is None else {"latitude": position[0], "longitude": position[1]}
    return client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers, json=body)


def test_a_worker_3_km_away_gets_a_longer_claim_window(client, db, make, auth_headers):
    brand = make(BrandFactory)
    _cid, (first, second, third) = build(db, brand.id, [STORE] * 3, est_minutes=15)
    worker = auth_headers(make(UserFactory))

    near = claim_from(client, worker, first, NEXT_DOOR)
    assert near.status_code == 201, near.json
    assert near.json["window"] == {
        "travel_minutes": 0,
        "in_store_minutes": 15,
        "buffer_minutes": 60,
        "total_minutes": 75,
    }
    assert 74 < minutes_left(near.json["expires_at"]) <= 75

    far = claim_from(client, worker, second, THREE_KM)
    assert far.status_code == 201, far.json
    assert far.json["window"] == {
        "travel_minutes": 40,
        "in_store_minutes": 15,
        "buffer_minutes": 60,
        "total_minutes": 115,
    }
    assert 114 < minutes_left(far.json["expires_at"]) <= 115

    # No position: no travel allowed for, as before.
    blind = claim_from(client, worker, third, None)
    assert blind.status_code == 201, blind.json
    assert blind.json["window"]["travel_minutes"] == 0
    assert blind.json["window"]["total_minutes"] == 75


def test_the_claim_window_stays_within_its_bounds(app, client, db, make, auth_headers):
    brand = make(BrandFactory)
    _cid, (nearby, remote) = build(db, brand.id, [STORE, STORE], est_minutes=15)
    worker = auth_headers(make(UserFactory))
    override_settings(app, CLAIM_BUFFER_MINUTES=0)
    short = claim_from(client, worker, nearby, NEXT_DOOR)
    assert short.json["window"]["total_minutes"] == 45  # 15 minutes, raised to the least
    assert 44 < minutes_left(short.json["expires_at"]) <= 45
    long = claim_from(client, worker, remote, (51.05, 4.3525))  # about 22.6 km: 5 hours' walk
    assert long.json["window"]["travel_minutes"] > 240
    assert long.json["window"]["total_minutes"] == 240
    assert 239 < minutes_left(long.json["expires_at"]) <= 240


def test_a_claim_position_is_validated_naming_the_field(client, make, auth_headers, mission):
    worker = auth_headers(make(UserFactory))
    url = f"/api/v1/missions/{mission}/claim"
    for body, field in (
        ({"latitude": 95, "longitude": 4.35}, "latitude"),
        ({"latitude": 50.85, "longitude": -181}, "longitude"),
        ({"latitude": 50.85}, "longitude"),
        ({"longitude": 4.35}, "latitude"),
        ({"latitude": "north", "longitude": 4.35}, "latitude"),
    ):
        refused = client.post(url, headers=worker, json=body)
        assert refused.status_code == 422, body
        assert refused.json["code"] == "validation_error"
        assert field in refused.json["errors"], (body, refused.json)
    assert client.post(url, headers=worker, json={}).status_code == 201  # nothing is all right


def test_a_replayed_claim_with_a_position_returns_its_window(client, make, auth_headers, mission):
    headers = auth_headers(make(UserFactory)) | {"Idempotency-Key": "claim-far-1"}
    first = claim_from(client, headers, mission, THREE_KM)
    assert first.status_code == 201
    replay = claim_from(client, headers, mission, THREE_KM)
    assert replay.status_code == 201
    assert replay.json == first.json
    assert replay.json["window"]["travel_minutes"] == 40
    elsewhere = claim_from(client, headers, mission, NEXT_DOOR)
    assert (elsewhere.status_code, elsewhere.json["code"]) == (422, "idempotency_conflict")
