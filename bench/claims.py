"""Claims over HTTP against gunicorn: 500 concurrent claims on 50 missions, round after round."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from backend.accounts.models import Brand
from backend.kernel.ids import new_id
from bench.common import bench_app
from tests.support.load import Job, bulk_workers, fire, gunicorn
from tests.support.world import build

CLAIMS, MISSIONS, CLIENT_PROCESSES = 500, 50, 2
BARE = "bench.bare_claims:create()"


def _round(app: Any, pool: ProcessPoolExecutor, base: str) -> tuple[float, Counter[Any]]:
    """One burst: fresh missions and workers, every claim sent at once; (seconds, outcomes)."""
    db = app.extensions["fairfield.db"]
    with db.transaction() as session:
        brand = Brand(name=f"Claims {new_id()[:8]}")
        session.add(brand)
    _cid, missions = build(db, brand.id, [(50.8467, 4.3525)] * MISSIONS)
    tokens = bulk_workers(db, CLAIMS)
    jobs: list[Job] = [
        (f"{base}/missions/{missions[i % MISSIONS]}/claim", tokens[i], f"bench-{i}")
        for i in range(CLAIMS)
    ]
    started = time.perf_counter()
    results = fire(pool, jobs, CLIENT_PROCESSES)
    seconds = time.perf_counter() - started
    return seconds, Counter((status, body.get("code")) for status, body in results)


def _rates(per_second: list[float]) -> dict[str, float]:
    return {
        "claims_per_second_median": round(statistics.median(per_second), 1),
        "claims_per_second_min": round(min(per_second), 1),
    }


def run(url: str, broker: str, var: str, rounds: int) -> dict[str, Any]:
    """Rounds through the full endpoint and through the bare one (bench/bare_claims.py) in
    turn, both served by gunicorn the same way at the same time (the idle one takes no CPU)."""
    app = bench_app(url, broker, var)
    config = {
        "DATABASE_URL": url,
        "BROKER_URL": broker,
        "VAR_DIR": var,
        "RATELIMIT_ENABLED": False,
    }
    tag = new_id()[:8]
    log, bare_log = (Path(var) / f"gunicorn-claims-{tag}-{kind}.log" for kind in ("full", "bare"))
    per_second, bare_per_second, exact, outcomes = [], [], True, Counter[Any]()
    winners = Counter({(201, None): MISSIONS, (409, "mission_unavailable"): CLAIMS - MISSIONS})
    # One gunicorn worker per core, as `make run` starts it: on two cores, four workers
    # spent a third of the time switching between processes.
    workers = os.cpu_count() or 2
    with (
        gunicorn(config, log, workers) as base,
        gunicorn(config, bare_log, workers, app=BARE) as bare,
        ProcessPoolExecutor(CLIENT_PROCESSES) as pool,
    ):
        _round(app, pool, base)  # warm: imports, pools, prepared statements
        _round(app, pool, bare)
        for _ in range(rounds):
            seconds, counts = _round(app, pool, base)
            per_second.append(CLAIMS / seconds)
            exact &= counts == winners
            outcomes += counts
            seconds, counts = _round(app, pool, bare)
            bare_per_second.append(CLAIMS / seconds)
            exact &= counts == winners
    app.extensions["fairfield.db"].engine.dispose()
    full, bare_rates = _rates(per_second), _rates(bare_per_second)
    return {
        "gunicorn_workers": workers,
        "claims_per_round": CLAIMS,
        "missions_per_round": MISSIONS,
        "rounds": rounds,
        **full,
        "bare_endpoint": bare_rates,
        "full_over_bare": round(
            full["claims_per_second_median"] / bare_rates["claims_per_second_median"], 3
        ),
        "exactly_50_winners_every_round": exact,
        "outcomes": {f"{status} {code or ''}".strip(): n for (status, code), n in outcomes.items()},
        "database_is_locked_in_log": any(
            "database is locked" in f.read_text() for f in (log, bare_log)
        ),
    }
