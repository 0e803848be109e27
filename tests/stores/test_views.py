"""Create and list stores through HTTP: validation, roles, brand scoping, nearby search."""

from __future__ import annotations

import pytest
from geopy.distance import geodesic

from tests.support.factories import BrandFactory, StoreFactory, UserFactory

PROBLEM = "application/problem+json"
BRUSSELS = (50.8467, 4.3525)


@pytest.fixture
def brand_user(make):
    return make(UserFactory, brand_user=True)


def create(client, headers, **overrides):
    body = {"name": "Delhaize Sablon", "latitude": 50.84, "longitude": 4.35} | overrides
    return client.post("/api/v1/stores", json=body, headers=headers)


def test_create_store_defaults_its_geofence(client, brand_user, auth_headers):
    response = create(client, auth_headers(brand_user), chain="Delhaize", external_ref="D-1")
    assert response.status_code == 201
    assert response.json["brand_id"] == brand_user.brand_id
    assert response.json["geofence_m"] == 150
    assert response.json["chain"] == "Delhaize"
    assert response.json["external_ref"] == "D-1"


@pytest.mark.parametrize("geofence", [25, 1000])
def test_geofence_bounds_are_inclusive(client, brand_user, auth_headers, geofence):
    response = create(client, auth_headers(brand_user), geofence_m=geofence)
    assert response.status_code == 201
    assert response.json["geofence_m"] == geofence


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"geofence_m": 24}, "geofence_m"),
        ({"geofence_m": 1001}, "geofence_m"),
        ({"latitude": 90.5}, "latitude"),
        ({"longitude": -180.1}, "longitude"),
        ({"latitude": "NaN"}, "latitude"),
        ({"longitude": "Infinity"}, "longitude"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"external_ref": "r" * 101}, "external_ref"),
        ({"latitude": None}, "latitude"),
    ],
)
def test_bad_fields_are_422_naming_the_field(client, brand_user, auth_headers, overrides, field):
    response = create(client, auth_headers(brand_user), **overrides)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert field in response.json["errors"]


def test_missing_coordinates_are_named(client, brand_user, auth_headers):
    response = client.post("/api/v1/stores", json={"name": "x"}, headers=auth_headers(brand_user))
    assert response.status_code == 422
    assert {"latitude", "longitude"} <= set(response.json["errors"])


def test_duplicate_external_ref_is_409(client, brand_user, auth_headers):
    headers = auth_headers(brand_user)
    assert create(client, headers, external_ref="A").status_code == 201
    again = create(client, headers, external_ref="A")
    assert again.status_code == 409
    assert again.json["code"] == "external_ref_taken"


def test_workers_may_not_touch_stores(client, make, auth_headers):
    headers = auth_headers(make(UserFactory))
    responses = [
        create(client, headers),
        client.get("/api/v1/stores", headers=headers),
        client.post(
            "/api/v1/stores/import",
            data={"file": (b"name,latitude,longitude\nA,1,2\n", "s.csv")},
            headers=headers,
        ),
    ]
    for response in responses:
        assert response.status_code == 403
        assert response.content_type == PROBLEM


def test_anonymous_is_401(client):
    assert client.get("/api/v1/stores").status_code == 401


def test_brands_see_only_their_own_stores(client, make, auth_headers, brand_user):
    other = make(UserFactory, brand_user=True)
    mine = make(StoreFactory, brand_id=brand_user.brand_id, name="Mine")
    make(StoreFactory, brand_id=other.brand_id, name="Theirs")
    listed = client.get("/api/v1/stores", headers=auth_headers(brand_user))
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json["items"]] == [mine.id]
    near = client.get(
        "/api/v1/stores", query_string={"near": "50.8467,4.3525"}, headers=auth_headers(other)
    )
    assert [s["name"] for s in near.json["items"]] == ["Theirs"]


def test_a_brand_cannot_create_for_another_brand(client, make, auth_headers, brand_user):
    other = make(BrandFactory)
    response = create(client, auth_headers(brand_user), brand_id=other.id)
    assert response.status_code == 422
    assert "brand_id" in response.json["errors"]
    same = create(client, auth_headers(brand_user), brand_id=brand_user.brand_id)
    assert same.status_code == 201


def test_admins_name_the_brand_and_see_all(client, make, auth_headers, brand_user):
    admin = auth_headers(make(UserFactory, admin=True))
    missing = create(client, admin)
    assert missing.status_code == 422
    assert "brand_id" in missing.json["errors"]
    unknown = create(client, admin, brand_id="no-such-brand")
    assert unknown.status_code == 422
    created = create(client, admin, brand_id=brand_user.brand_id)
    assert created.status_code == 201
    assert created.json["brand_id"] == brand_user.brand_id
    make(StoreFactory)
    assert len(client.get("/api/v1/stores", headers=admin).json["items"]) == 2


def test_cursor_pages_cover_every_store_once(client, make, auth_headers, brand_user):
    ids = {make(StoreFactory, brand_id=brand_user.brand_id).id for _ in range(7)}
    seen, cursor = [], None
    while True:
        query = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = client.get(
            "/api/v1/stores", query_string=query, headers=auth_headers(brand_user)
        )
        assert response.status_code == 200
        seen += [s["id"] for s in response.json["items"]]
        cursor = response.json["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7
    assert set(seen) == ids


def test_near_sorts_by_geodesic_distance_within_the_radius(client, make, auth_headers, brand_user):
    headers = auth_headers(brand_user)
    offsets = {"a": 900, "b": 100, "c": 4_900, "d": 5_100, "e": 2_500}
    for name, metres in offsets.items():
        point = geodesic(meters=metres).destination(BRUSSELS, 37 * len(name + str(metres)))
        make(
            StoreFactory,
            brand_id=brand_user.brand_id,
            name=name,
            latitude=point.latitude,
            longitude=point.longitude,
        )
    query = {"near": "50.8467, 4.3525", "radius_m": 5000, "limit": 2}
    first = client.get("/api/v1/stores", query_string=query, headers=headers)
    assert first.status_code == 200
    assert [s["name"] for s in first.json["items"]] == ["b", "a"]
    assert first.json["items"][0]["distance_m"] == pytest.approx(100, abs=0.01)
    second = client.get(
        "/api/v1/stores",
        query_string=query | {"cursor": first.json["next_cursor"]},
        headers=headers,
    )
    assert [s["name"] for s in second.json["items"]] == ["e", "c"]
    assert second.json["next_cursor"] is None
    plain = client.get("/api/v1/stores", headers=headers)
    assert "distance_m" not in plain.json["items"][0]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"near": "50.8"}, "near"),
        ({"near": "91,4"}, "near"),
        ({"near": "nan,4"}, "near"),
        ({"near": "50,4", "radius_m": 50_001}, "radius_m"),
        ({"radius_m": 100}, "radius_m"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"near": "50,4", "cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_list_queries_are_422(client, brand_user, auth_headers, query, field):
    response = client.get("/api/v1/stores", query_string=query, headers=auth_headers(brand_user))
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert field in response.json["errors"]
