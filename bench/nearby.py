"""Nearby search at scale: the spatial index beside a full numpy scan of the same data."""

from __future__ import annotations

import random
import time
from typing import Any

import numpy as np

from backend.accounts.models import Brand, User
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.marketplace import nearby
from bench.common import bench_app, percentiles, settle, timed
from tests.support.factories import token_for
from tests.support.world import build

RADIUS_M, LIMIT = 5_000, 20


def european_points(n: int, rng: random.Random) -> np.ndarray:
    """80 % around ~200 cities (sigma about 5 km), 20 % uniform over lat 36-60, lon -10-30."""
    cities = np.array([(rng.uniform(38, 58), rng.uniform(-8, 28)) for _ in range(200)])
    gen = np.random.default_rng(rng.randrange(2**32))
    clustered = int(n * 0.8)
    pick = cities[gen.integers(0, len(cities), clustered)]
    near = pick + gen.normal(0, 1, (clustered, 2)) * [0.045, 0.07]
    uniform = np.column_stack(
        [gen.uniform(36, 60, n - clustered), gen.uniform(-10, 30, n - clustered)]
    )
    return np.vstack([near, uniform])


def load(app: Any, points: np.ndarray) -> None:
    db = app.extensions["fairfield.db"]
    with db.transaction() as session:
        brand = Brand(name=f"Bench {new_id()[:8]}")
        session.add(brand)
    build(db, brand.id, [(lat, lon) for lat, lon in points.tolist()])
    settle(db)


def numpy_scan(points: np.ndarray, lat: float, lon: float) -> np.ndarray:
    rad = np.radians(points)
    qlat, qlon = np.radians(lat), np.radians(lon)
    hav = (
        np.sin((rad[:, 0] - qlat) / 2) ** 2
        + np.cos(qlat) * np.cos(rad[:, 0]) * np.sin((rad[:, 1] - qlon) / 2) ** 2
    )
    d = 2 * 6_371_008.8 * np.arcsin(np.sqrt(hav))
    inside = np.nonzero(d <= RADIUS_M)[0]
    return inside[np.argsort(d[inside])[:LIMIT]]


def run(url: str, broker: str, var: str, n: int, queries: int) -> dict[str, Any]:
    rng = random.Random(42)
    points = european_points(n, rng)
    app = bench_app(url, broker, var)
    started = time.perf_counter()
    load(app, points)
    load_s = time.perf_counter() - started
    spots = [
        points[rng.randrange(n)] + np.array([rng.gauss(0, 0.01), rng.gauss(0, 0.01)])
        for _ in range(queries)
    ]
    db = app.extensions["fairfield.db"]
    with app.app_context(), db.transaction() as session:
        worker = User(
            email=f"bench-{new_id()[:8]}@x.io",
            password_hash="x",
            role="worker",
            display_name="Bench",
        )
        session.add(worker)
    with app.app_context():
        headers = {"Authorization": f"Bearer {token_for(app, worker)}"}
    now = utcnow()
    it = iter(spots * 3)
    with db.transaction(write=False) as session:

        def query() -> None:
            lat, lon = next(it)
            nearby.nearest_open(
                db_session=session,
                latitude=float(lat),
                longitude=float(lon),
                radius_m=RADIUS_M,
                limit=LIMIT,
                now=now,
                worker_id=worker.id,
            )

        db_samples = timed(query, queries, warm=queries)
    client = app.test_client()
    it2 = iter(spots * 3)

    def http() -> None:
        lat, lon = next(it2)
        response = client.get(
            "/api/v1/missions/nearby",
            headers=headers,
            query_string={
                "latitude": float(lat),
                "longitude": float(lon),
                "radius_m": RADIUS_M,
                "limit": LIMIT,
            },
        )
        assert response.status_code == 200

    http_samples = timed(http, queries, warm=queries)
    it3 = iter(spots * 3)
    scan_samples = timed(lambda: numpy_scan(points, *next(it3)), min(queries, 300))
    db.engine.dispose()
    return {
        "missions": n,
        "load_seconds": round(load_s, 1),
        "db_query": percentiles(db_samples),
        "http_endpoint_in_process": percentiles(http_samples),
        "numpy_full_scan": percentiles(scan_samples),
    }
