"""Nearby search through the spatial index equals a brute-force computation."""

from __future__ import annotations

import random

import numpy as np
import pytest

from backend import geo
from backend.db import utcnow
from backend.missions import service
from tests.factories import BrandFactory, UserFactory
from tests.missions.world import build, european_points

N_MISSIONS = 100_000
N_QUERIES = 200


def brute_force(points, ids, lat, lon, radius, limit):
    lats, lons = np.radians(points[:, 0]), np.radians(points[:, 1])
    qlat, qlon = np.radians(lat), np.radians(lon)
    hav = (
        np.sin((lats - qlat) / 2) ** 2
        + np.cos(qlat) * np.cos(lats) * np.sin((lons - qlon) / 2) ** 2
    )
    approx = 2 * 6_371_008.8 * np.arcsin(np.sqrt(hav))
    # Haversine is within 0.5 % of the geodesic: keep a margin, then decide with geopy.
    candidates = np.nonzero(approx <= radius * 1.01 + 1)[0]
    exact = [(ids[i], geo.distance_m((lat, lon), tuple(points[i]))) for i in candidates]
    inside = sorted(((mid, d) for mid, d in exact if d <= radius), key=lambda x: (x[1], x[0]))
    return inside[:limit]


@pytest.fixture
def world(db, make):
    brand = make(BrandFactory)
    points = european_points(N_MISSIONS)
    _campaign, ids = build(db, brand.id, points)
    return np.array(points), ids


def test_nearby_equals_brute_force(db, world):
    points, ids = world
    rng = random.Random(7)
    now = utcnow()
    with db.transaction(write=False) as session:
        for _ in range(N_QUERIES):
            lat, lon = points[rng.randrange(len(points))]
            lat, lon = lat + rng.gauss(0, 0.02), lon + rng.gauss(0, 0.02)
            radius = rng.choice([500, 2000, 5000, 20_000, 50_000])
            limit = rng.choice([1, 20, 100])
            got = service.nearest_open_mission_ids(
                db_session=session,
                latitude=lat,
                longitude=lon,
                radius_m=radius,
                limit=limit,
                now=now,
            )
            want = brute_force(points, ids, lat, lon, radius, limit)
            assert [m for m, _ in got] == [m for m, _ in want], (lat, lon, radius, limit)
            assert all(abs(a[1] - b[1]) < 0.01 for a, b in zip(got, want, strict=True))


def test_nearby_over_http(client, db, make, auth_headers):
    brand = make(BrandFactory)
    build(db, brand.id, [(50.8467, 4.3525), (50.8500, 4.3600), (51.5, 4.5)])
    worker = auth_headers(make(UserFactory))
    response = client.get(
        "/api/v1/missions/nearby",
        query_string={"latitude": 50.8467, "longitude": 4.3525, "radius_m": 5000},
        headers=worker,
    )
    assert response.status_code == 200
    items = response.json["items"]
    assert len(items) == 2
    assert items[0]["distance_m"] == 0
    assert items[0]["distance_m"] < items[1]["distance_m"]
    first = items[0]
    assert first["reward"] == {"amount_minor": 600, "currency": "EUR"}
    assert first["effective_hourly_rate"] == {"amount_minor": 2400, "currency": "EUR"}
    assert set(first["store"]) == {"id", "name", "address", "latitude", "longitude"}
    for bad in (
        {"latitude": 200, "longitude": 0},
        {"latitude": "nan", "longitude": 0},
        {"latitude": 0, "longitude": 0, "radius_m": 60_000},
        {"latitude": 0, "longitude": 0, "limit": 101},
    ):
        response = client.get("/api/v1/missions/nearby", query_string=bad, headers=worker)
        assert response.status_code == 422, bad
