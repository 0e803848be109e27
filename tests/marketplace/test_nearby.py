"""Nearby search through the spatial index equals a brute-force computation."""

from __future__ import annotations

import json
import random
from datetime import timedelta

import numpy as np
import pytest
from geopy.distance import great_circle
from sqlalchemy import update

from backend.accounts.models import User
from backend.campaigns.models import Campaign
from backend.errors import Conflict
from backend.kernel.clock import utcnow
from backend.marketplace import nearby, presenters, rules, service, task
from backend.marketplace.schemas import MissionListOut
from tests.support.factories import AssignmentFactory, BrandFactory, UserFactory
from tests.support.world import build, european_points

N_MISSIONS = 100_000
N_QUERIES = 200


def brute_force(points, ids, lat, lon, radius, limit, excluded=frozenset()):
    """Every point measured: a cheap bound first, then geopy's own great circle."""
    lats, lons = np.radians(points[:, 0]), np.radians(points[:, 1])
    qlat, qlon = np.radians(lat), np.radians(lon)
    hav = (
        np.sin((lats - qlat) / 2) ** 2
        + np.cos(qlat) * np.cos(lats) * np.sin((lons - qlon) / 2) ** 2
    )
    approx = 2 * 6_371_009 * np.arcsin(np.sqrt(hav))
    candidates = np.nonzero(approx <= radius + 1)[0]
    exact = [
        (ids[i], great_circle((lat, lon), tuple(points[i])).meters)
        for i in candidates
        if ids[i] not in excluded
    ]
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
            got = nearby.nearest_open(
                db_session=session,
                latitude=lat,
                longitude=lon,
                radius_m=radius,
                limit=limit,
                now=now,
                worker_id=None,
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
    # The list skips marshmallow for speed: it must be exactly what the schema would give.
    with db.transaction(write=False) as session:
        found = service.nearby_missions(
            db_session=session,
            latitude=50.8467,
            longitude=4.3525,
            radius_m=5000,
            limit=20,
            now=utcnow(),
            worker_id=None,
        )
        cards = [
            presenters.mission_out(
                n.card,
                distance=n.distance_m,
                speed_kmh=4.5,
                products=n.products,
                questions=n.questions,
                scorecard_url=f"/api/v1/brands/{n.card.brand_id}/scorecard",
            )
            for n in found
        ]
    dumped = MissionListOut().dump({"items": cards, "next_cursor": None})
    assert json.loads(json.dumps(dumped)) == response.json
    for bad in (
        {"latitude": 200, "longitude": 0},
        {"latitude": "nan", "longitude": 0},
        {"latitude": 0, "longitude": 0, "radius_m": 60_000},
        {"latitude": 0, "longitude": 0, "limit": 101},
    ):
        response = client.get("/api/v1/missions/nearby", query_string=bad, headers=worker)
        assert response.status_code == 422, bad


def test_nearby_skips_missions_out_of_their_window_and_stores_the_worker_has_done(db, make):
    brand = make(BrandFactory)
    worker = make(UserFactory)
    origin = (50.85, 4.35)
    # Forty missions of a campaign that starts next week lie nearest the worker: on
    # PostgreSQL they fill the first index read, so the search must read on past them.
    later, _ = build(db, brand.id, [(50.85 + i * 1e-5, 4.35) for i in range(40)])
    _now_campaign, ids = build(db, brand.id, [(50.86 + i * 1e-4, 4.35) for i in range(30)])
    now = utcnow()
    with db.transaction() as session:
        session.execute(
            update(Campaign)
            .where(Campaign.id == later)
            .values(starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=14))
        )
    # The worker already did five of these stores for this campaign.
    for mid in ids[:5]:
        make(AssignmentFactory, mission_id=mid, worker_id=worker.id, submitted=True)

    def nearest(worker_id):
        with db.transaction(write=False) as session:
            found = nearby.nearest_open(
                db_session=session,
                latitude=origin[0],
                longitude=origin[1],
                radius_m=5000,
                limit=20,
                now=now,
                worker_id=worker_id,
            )
        return [mid for mid, _ in found]

    assert nearest(worker.id) == ids[5:25]
    assert nearest(None) == ids[:20]
    # Nor can they claim one of the stores they have done; another worker can.
    done = claim_mission(db, worker, ids[0], now)
    assert done == "mission_unavailable"
    assert claim_mission(db, worker, ids[5], now) == "claimed"
    assert claim_mission(db, make(UserFactory), ids[0], now) == "claimed"


def claim_mission(db, worker, mission_id, now):
    try:
        with db.transaction() as session:
            service.claim_mission(
                db_session=session,
                worker=session.get(User, worker.id),
                mission_id=mission_id,
                now=now,
                claim_limit=3,
                window=rules.WindowPolicy(
                    buffer_minutes=60, min_minutes=45, max_minutes=240, speed_kmh=4.5
                ),
            )
    except Conflict as exc:
        return exc.code
    return "claimed"


def test_sqlite_search_starts_from_the_rtree_even_after_analyze(db, make, backend_name):
    if backend_name != "sqlite":
        pytest.skip("the R*Tree query is SQLite's")
    brand = make(BrandFactory)
    build(db, brand.id, european_points(2000))
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        params = dict.fromkeys(("lat_min", "lat_max", "west", "east", "now", "worker"), 0)
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + nearby._SQLITE_BOX, params).all()
    assert "missions_rtree" in plan[0][3] or "VIRTUAL TABLE" in plan[0][3], plan


def test_the_card_tuple_names_the_card_query_columns_in_order():
    assert service.Card._fields == tuple(service._CARD.selected_columns.keys())


def test_nearby_cards_are_the_mission_cards_with_their_task_counts(db, make):
    brand = make(BrandFactory)
    origin = (50.8467, 4.3525)
    build(db, brand.id, [(origin[0] + i * 1e-4, origin[1]) for i in range(10)], skus=("A", "B"))
    build(db, brand.id, [(origin[0], origin[1] + i * 1e-4) for i in range(10)])
    with db.transaction(write=False) as session:
        found = service.nearby_missions(
            db_session=session,
            latitude=origin[0],
            longitude=origin[1],
            radius_m=5000,
            limit=15,
            now=utcnow(),
            worker_id=None,
        )
        admin = make(UserFactory, role="admin")
        for n in found:
            card = service.get_mission(db_session=session, mission_id=n.card.id, user=admin)
            assert n.card == card
            whole = task.of_mission(db_session=session, mission_id=card.id)
            assert (n.products, n.questions) == (len(whole["products"]), len(whole["questions"]))
    assert len(found) == 15
    assert {n.products for n in found} == {0, 2}
    assert all(n.card.ends_at.utcoffset() == timedelta(0) for n in found)


def test_nearby_in_a_district_packed_with_stores_equals_brute_force(
    db, make, backend_name, monkeypatch
):
    """Thousands of stores within about 100 m: every one lies in the first search box. The
    answer is still brute force's, and SQLite ranks a smaller box, not all of them."""
    brand = make(BrandFactory)
    worker = make(UserFactory)
    rng = random.Random(11)
    centre = (50.8467, 4.3525)
    points = [
        (centre[0] + rng.uniform(-6e-4, 6e-4), centre[1] + rng.uniform(-9e-4, 9e-4))
        for _ in range(3000)
    ]
    points += [centre] * 30  # some share one spot: ties go to the lower id
    _campaign, ids = build(db, brand.id, points)
    done = set(ids[-40:-10])
    for mid in done:
        make(AssignmentFactory, mission_id=mid, worker_id=worker.id, submitted=True)
    ranked_sizes: list[int] = []
    real = nearby.geo.nearest_within

    def counting(origin, found_ids, lats, lons, radius_m, limit):
        ranked_sizes.append(len(found_ids))
        return real(origin, found_ids, lats, lons, radius_m, limit)

    monkeypatch.setattr(nearby.geo, "nearest_within", counting)
    array = np.array(points)
    now = utcnow()
    with db.transaction(write=False) as session:
        for lat, lon, radius, limit in [
            (*centre, 5000, 20),
            (*centre, 5000, 100),
            (*centre, 50, 1),
            (centre[0] + 3e-4, centre[1] - 5e-4, 5000, 20),
            (centre[0] + 0.01, centre[1], 5000, 20),  # a kilometre off the district
        ]:
            for worker_id, excluded in ((None, frozenset()), (worker.id, frozenset(done))):
                got = nearby.nearest_open(
                    db_session=session,
                    latitude=lat,
                    longitude=lon,
                    radius_m=radius,
                    limit=limit,
                    now=now,
                    worker_id=worker_id,
                )
                want = brute_force(array, ids, lat, lon, radius, limit, excluded)
                assert [m for m, _ in got] == [m for m, _ in want], (lat, lon, radius, limit)
    if backend_name == "sqlite":
        assert max(ranked_sizes) < len(points) // 2, ranked_sizes
