"""Photo reuse lookups among a million stored perceptual hashes, through the band indexes."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert

from backend.accounts.models import Brand, User
from backend.config import DEFAULTS
from backend.db import Database
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.missions.models import Assignment
from backend.submissions.models import Photo, Submission
from backend.validation import reuse
from bench.common import bench_app, percentiles, settle
from tests.support.world import build

PHOTOS_PER_SUBMISSION, CHUNK = 1000, 10_000
# Validation looks as far as the "similar photo" doubt reaches: that sets the probes' cost.
MAX_HAMMING = int(DEFAULTS["PHOTO_SIMILAR_MAX_HAMMING"])
BRUSSELS = (50.8467, 4.3525)


def _submissions(db: Database, count: int) -> list[str]:
    """`count` approved submissions of one worker, each on a mission and assignment of its own."""
    with db.transaction() as session:
        brand = Brand(name=f"Reuse {new_id()[:8]}")
        worker = User(
            email=f"reuse-{new_id()[:8]}@x.io", password_hash="x", role="worker", display_name="R"
        )
        session.add_all([brand, worker])
    _cid, missions = build(db, brand.id, [BRUSSELS] * count, status="completed")
    now = utcnow()
    assignments, submissions, ids = [], [], []
    for mission_id in missions:
        assignment_id, submission_id = new_id(), new_id()
        ids.append(submission_id)
        assignments.append(
            {
                "id": assignment_id,
                "mission_id": mission_id,
                "worker_id": worker.id,
                "status": "submitted",
                "created_at": now - timedelta(days=400),
                "expires_at": now - timedelta(days=399),
                "ended_at": now - timedelta(days=400),
            }
        )
        submissions.append(
            {
                "id": submission_id,
                "assignment_id": assignment_id,
                "mission_id": mission_id,
                "worker_id": worker.id,
                "brand_id": brand.id,
                "outcome": "completed",
                "answers": [],
                "latitude": BRUSSELS[0],
                "longitude": BRUSSELS[1],
                "accuracy_m": 8.0,
                "captured_at": now - timedelta(days=400),
                "received_at": now - timedelta(days=400),
                "status": "approved",
                "checks": [],
                "reasons": [],
                "flags": [],
                "decided_at": now - timedelta(days=400),
            }
        )
    with db.transaction() as session:
        session.execute(insert(Assignment), assignments)
        session.execute(insert(Submission), submissions)
    return ids


def load(db: Database, hashes: np.ndarray, keep: set[int], rng: random.Random) -> dict[int, Any]:
    """A photo row per hash, 1,000 per submission, in chunks; returns kept rows' (id, sha256)."""
    owners = _submissions(db, -(-len(hashes) // PHOTOS_PER_SUBMISSION))
    first = utcnow() - timedelta(days=365)
    kept: dict[int, Any] = {}
    with db.transaction() as session:
        for start in range(0, len(hashes), CHUNK):
            rows = []
            for i in range(start, min(start + CHUNK, len(hashes))):
                row = {
                    "id": new_id(),
                    "submission_id": owners[i // PHOTOS_PER_SUBMISSION],
                    "position": i % PHOTOS_PER_SUBMISSION,
                    "sha256": f"{rng.getrandbits(256):064x}",
                    "size": 3_500_000,
                    "received_at": first + timedelta(seconds=30 * i),
                    **reuse.index_values(int(hashes[i])),
                }
                rows.append(row)
                if i in keep:
                    kept[i] = (row["id"], row["sha256"])
            session.execute(insert(Photo), rows)
    return kept


def _probe_rows(hashes: np.ndarray, queries: list[int]) -> float:
    """Mean index entries the band probes of a query hit (rows fetched before the bit count)."""
    flips = MAX_HAMMING // reuse.BANDS
    per_band = [
        np.bincount((hashes >> np.uint64(16 * (3 - b))) & np.uint64(0xFFFF), minlength=1 << 16)
        for b in range(reuse.BANDS)
    ]
    hits = [
        sum(int(per_band[b][reuse.probes(v, flips)].sum()) for b, v in enumerate(reuse.bands(q)))
        for q in queries
    ]
    return round(float(np.mean(hits)), 1)


def _timed(calls: list[Any]) -> tuple[list[float], list[Any]]:
    """Each call once to warm, then each call timed; (seconds, results of the timed pass)."""
    for call in calls:
        call()
    seconds, results = [], []
    for call in calls:
        start = time.perf_counter()
        results.append(call())
        seconds.append(time.perf_counter() - start)
    return seconds, results


def _queries(
    hashes: np.ndarray, planted: list[int], kept: dict[int, Any], n: int, rng: random.Random
) -> tuple[list[tuple[int, str | None]], list[list[str]]]:
    """Near queries: planted copies with 0-6 bits flipped (with the photo id they must find)
    and fresh hashes, shuffled; exact queries: 3 sha256s, the first stored in every other."""
    near: list[tuple[int, str | None]] = []
    for i in planted:
        phash = int(hashes[i])
        for bit in rng.sample(range(64), rng.randint(0, MAX_HAMMING)):
            phash ^= 1 << bit
        near.append((phash, kept[i][0]))
    near += [(rng.getrandbits(64), None) for _ in range(n - len(planted))]
    rng.shuffle(near)
    fresh = lambda: f"{rng.getrandbits(256):064x}"  # noqa: E731
    stored = [kept[i][1] for i in planted]
    exact = [[stored[k // 2] if k % 2 == 0 else fresh(), fresh(), fresh()] for k in range(n)]
    return near, exact


def _all_visible(db: Database, timeout_s: float = 120.0) -> float | None:
    """PostgreSQL: vacuum the photos until their pages are all-visible, as a table of a
    million mostly old rows is; the share reached. An open snapshot anywhere (an ANALYZE
    of another table, say) stops a vacuum from marking pages, and the band probes then
    visit the table for every entry instead of reading the index alone."""
    if db.is_sqlite:
        return None
    deadline, share = time.monotonic() + timeout_s, 0.0
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while time.monotonic() < deadline:
            conn.exec_driver_sql("VACUUM (ANALYZE) photos")
            share = conn.exec_driver_sql(
                "SELECT relallvisible::float / greatest(relpages, 1) FROM pg_class "
                "WHERE relname = 'photos'"
            ).scalar_one()
            if share >= 0.99:
                break
            time.sleep(2)
    return round(share, 3)


def _index_only(db: Database, phash: int) -> dict[str, Any] | None:
    """PostgreSQL: one band probe's plan after the run: index-only, and from memory or disk."""
    if db.is_sqlite:
        return None
    band = reuse.bands(phash)[0]
    values = ",".join(str(v) for v in reuse.probes(band, MAX_HAMMING // reuse.BANDS))
    query = f"SELECT phash FROM photos WHERE band0 IN ({values})"  # noqa: S608 (integers)
    sql = f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {query}"
    with db.engine.connect() as conn:
        plan = conn.exec_driver_sql(sql).scalar_one()[0]["Plan"]
    return {
        "node": plan["Node Type"],
        "heap_fetches": plan.get("Heap Fetches"),
        "shared_hit": plan.get("Shared Hit Blocks"),
        "shared_read": plan.get("Shared Read Blocks"),
    }


def run(url: str, broker: str, var: str, n: int, queries: int) -> dict[str, Any]:
    """Load n photo hashes, then time near and exact reuse lookups, as validation runs them."""
    rng = random.Random(7)
    hashes = np.frombuffer(np.random.default_rng(7).bytes(8 * n), dtype=np.uint64)
    planted = rng.sample(range(n), queries // 2)
    app = bench_app(url, broker, var)
    db = app.extensions["fairfield.db"]
    started = time.perf_counter()
    kept = load(db, hashes, set(planted), rng)
    settle(db)
    visible = _all_visible(db)
    load_s = time.perf_counter() - started
    wanted, shas = _queries(hashes, planted, kept, queries, rng)
    submission_id, now = new_id(), utcnow()  # a submission arriving now, not yet stored
    with db.transaction(write=False) as session:
        near_s, near = _timed(
            [
                # As validation's reuse check calls it: against every photo already hashed.
                lambda q=q: reuse.near_matches(
                    session, phash=q, max_hamming=MAX_HAMMING, submission_id=submission_id
                )
                for q, _ in wanted
            ]
        )
        exact_s, exact = _timed(
            [
                lambda s=s: reuse.exact_matches(
                    session, sha256s=s, submission_id=submission_id, received_at=now
                )
                for s in shas
            ]
        )
    plan = _index_only(db, wanted[-1][0])
    db.engine.dispose()
    found = [
        want in {m.photo_id for m in got}
        for (_, want), got in zip(wanted, near, strict=True)
        if want
    ]
    assert all(found), f"{found.count(False)} planted near copies not found"
    stored = {sha for _, sha in kept.values()}
    assert [list(e) for e in exact] == [[s[0]] if s[0] in stored else [] for s in shas]
    return {
        "stored_hashes": n,
        "load_seconds": round(load_s, 1),
        "max_hamming": MAX_HAMMING,
        "near_matches": percentiles(near_s),
        "planted_near_copies_found": f"{sum(found)}/{len(found)}",
        "fresh_hashes_with_a_match": sum(
            1 for (_, want), got in zip(wanted, near, strict=True) if want is None and got
        ),
        "band_probe_rows_mean": _probe_rows(hashes, [q for q, _ in wanted]),
        "all_visible_share": visible,
        "one_probe_plan": plan,
        "exact_matches_of_3_sha256": percentiles(exact_s),
    }
