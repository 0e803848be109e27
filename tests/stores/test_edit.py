"""GET and PATCH /stores/{id}: a brand reads and edits its own stores; a store moves only while
no mission there is under way, and its open missions are found at the new place."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, update

from backend.missions.models import Mission
from tests.support.factories import MissionFactory, StoreFactory, UserFactory

BRUSSELS = (50.8467, 4.3525)
ANTWERP = (51.2194, 4.4025)


@pytest.fixture
def brand_user(make):
    return make(UserFactory, brand_user=True)


def patch(client, headers, store_id, body):
    return client.patch(f"/api/v1/stores/{store_id}", json=body, headers=headers)


def nearby(client, headers, at, radius_m=2000):
    response = client.get(
        "/api/v1/missions/nearby",
        query_string={"latitude": at[0], "longitude": at[1], "radius_m": radius_m},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def mission_places(db, store_id):
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Mission.latitude, Mission.longitude).where(Mission.store_id == store_id)
        ).all()
    return [(r.latitude, r.longitude) for r in rows]


def test_a_brand_reads_its_store_and_nobody_elses(client, make, auth_headers, brand_user):
    store = make(StoreFactory, brand_id=brand_user.brand_id, chain="Delhaize")
    response = client.get(f"/api/v1/stores/{store.id}", headers=auth_headers(brand_user))
    assert response.status_code == 200
    assert response.json["id"] == store.id
    assert response.json["chain"] == "Delhaize"
    assert (response.json["latitude"], response.json["longitude"]) == BRUSSELS
    admin = auth_headers(make(UserFactory, admin=True))
    assert client.get(f"/api/v1/stores/{store.id}", headers=admin).status_code == 200
    other = auth_headers(make(UserFactory, brand_user=True))
    for response in (
        client.get(f"/api/v1/stores/{store.id}", headers=other),
        patch(client, other, store.id, {"name": "Taken over"}),
        client.get("/api/v1/stores/no-such-store", headers=auth_headers(brand_user)),
    ):
        assert response.status_code == 404
    worker = auth_headers(make(UserFactory))
    assert client.get(f"/api/v1/stores/{store.id}", headers=worker).status_code == 403


def test_patch_changes_only_the_fields_given(client, make, auth_headers, brand_user):
    headers = auth_headers(brand_user)
    store = make(StoreFactory, brand_id=brand_user.brand_id, chain="Delhaize", address="Rue 1")
    response = patch(
        client,
        headers,
        store.id,
        {"name": " Delhaize Sablon ", "chain": None, "address": "Rue 2", "geofence_m": 200},
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["name"], body["chain"], body["address"], body["geofence_m"]) == (
        "Delhaize Sablon",
        None,
        "Rue 2",
        200,
    )
    assert (body["latitude"], body["longitude"]) == BRUSSELS
    assert client.get(f"/api/v1/stores/{store.id}", headers=headers).json == body
    moved = patch(client, headers, store.id, {"latitude": ANTWERP[0], "longitude": ANTWERP[1]})
    assert moved.status_code == 200
    assert (moved.json["latitude"], moved.json["longitude"]) == ANTWERP
    assert client.put(f"/api/v1/stores/{store.id}", json={}, headers=headers).status_code == 405


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"latitude": None}, "latitude"),
        ({"geofence_m": 10}, "geofence_m"),
        ({"geofence_m": 1001}, "geofence_m"),
        ({"name": ""}, "name"),
        ({"name": "   ", "address": "Rue 3"}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"external_ref": "X-1"}, "external_ref"),
        ({"brand_id": "another"}, "brand_id"),
    ],
)
def test_bad_fields_are_422_naming_them_and_write_nothing(
    client, make, auth_headers, brand_user, body, field
):
    headers = auth_headers(brand_user)
    store = make(StoreFactory, brand_id=brand_user.brand_id, address="Rue 1")
    before = client.get(f"/api/v1/stores/{store.id}", headers=headers).json
    response = patch(client, headers, store.id, body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]
    assert client.get(f"/api/v1/stores/{store.id}", headers=headers).json == before


def test_a_moved_store_takes_its_open_missions_along(client, db, make, auth_headers, brand_user):
    headers = auth_headers(brand_user)
    made = make(MissionFactory, brand_id=brand_user.brand_id, at=BRUSSELS)
    mission, store_id = made.id, made.store_id
    worker = auth_headers(make(UserFactory))
    assert nearby(client, worker, BRUSSELS) == [mission]
    assert nearby(client, worker, ANTWERP) == []

    response = patch(client, headers, store_id, {"latitude": ANTWERP[0], "longitude": ANTWERP[1]})
    assert response.status_code == 200, response.json
    assert mission_places(db, store_id) == [ANTWERP]
    # The spatial index followed the mission row: found at the new place, not at the old.
    assert nearby(client, worker, ANTWERP) == [mission]
    assert nearby(client, worker, BRUSSELS) == []
    claim = client.post(
        f"/api/v1/missions/{mission}/claim",
        json={"latitude": ANTWERP[0], "longitude": ANTWERP[1]},
        headers=worker,
    )
    assert claim.status_code == 201


def test_a_draft_mission_moves_with_its_store(client, db, make, auth_headers, brand_user):
    headers = auth_headers(brand_user)
    store_id = make(MissionFactory, brand_id=brand_user.brand_id, at=BRUSSELS, draft=True).store_id
    response = patch(client, headers, store_id, {"latitude": ANTWERP[0], "longitude": ANTWERP[1]})
    assert response.status_code == 200
    assert mission_places(db, store_id) == [ANTWERP]


@pytest.mark.parametrize("under_way", ["claimed", "submitted"])
def test_a_store_with_a_mission_under_way_does_not_move(
    client, db, make, auth_headers, brand_user, under_way
):
    headers = auth_headers(brand_user)
    made = make(MissionFactory, brand_id=brand_user.brand_id, at=BRUSSELS, **{under_way: True})
    store_id = made.store_id
    before = client.get(f"/api/v1/stores/{store_id}", headers=headers).json
    for body in (
        {"latitude": ANTWERP[0], "longitude": ANTWERP[1]},
        {"longitude": 4.36},
        {"geofence_m": 300},
        {"name": "Renamed", "geofence_m": 300},
    ):
        response = patch(client, headers, store_id, body)
        assert response.status_code == 409, body
        assert response.json["code"] == "store_in_use"
        assert response.json["missions"] == 1
    assert client.get(f"/api/v1/stores/{store_id}", headers=headers).json == before
    assert mission_places(db, store_id) == [BRUSSELS]
    # What does not move it is fine: a new name, the same place given again.
    same = {"name": "Renamed", "latitude": BRUSSELS[0], "longitude": BRUSSELS[1]}
    response = patch(client, headers, store_id, same)
    assert response.status_code == 200
    assert response.json["name"] == "Renamed"


def test_a_move_waits_for_a_claim_in_flight_and_then_refuses(
    client, db, make, auth_headers, brand_user
):
    """A claim committing while the store moves must not leave its worker headed for a
    place the mission no longer names: the move sees the claim and answers 409."""
    headers = auth_headers(brand_user)
    made = make(MissionFactory, brand_id=brand_user.brand_id, at=BRUSSELS)
    mission, store_id = made.id, made.store_id
    answers = []

    def move():
        body = {"latitude": ANTWERP[0], "longitude": ANTWERP[1]}
        answers.append(patch(client, headers, store_id, body))

    with db.transaction() as session:  # the claim's conditional UPDATE, not yet committed
        session.execute(
            update(Mission)
            .where(Mission.id == mission, Mission.status == "open")
            .values(status="claimed")
        )
        mover = threading.Thread(target=move)
        mover.start()
        mover.join(timeout=1)
        assert mover.is_alive()  # the move waits for the claim
    mover.join(timeout=30)
    assert answers[0].status_code == 409, answers[0].json
    assert answers[0].json["code"] == "store_in_use"
    assert mission_places(db, store_id) == [BRUSSELS]
