"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from apiflask import APIFlask

from backend import create_app, migrate
from backend.db import Database


def bench_app(url: str, broker: str, var: str) -> APIFlask:
    """A migrated app on `url` with rate limits off, as a load test runs it."""
    database = Database(url, pool_size=5, busy_timeout_ms=10_000)
    migrate.upgrade(database)
    database.engine.dispose()
    return create_app(
        {
            "DATABASE_URL": url,
            "BROKER_URL": broker,
            "VAR_DIR": var,
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": False,
        }
    )


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[max(int(len(ordered) * 0.99) - 1, 0)] * 1000, 3),
        "n": len(ordered),
    }


def timed(fn: Callable[[], Any], rounds: int, warm: int = 50) -> list[float]:
    """Seconds per call of `fn`, `rounds` times, after `warm` calls for caches and pools."""
    for _ in range(min(warm, rounds)):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def settle(db: Database) -> None:
    """Settle the database as a live one is before measuring.

    On SQLite the fresh rows go from the WAL into the file (reads check the WAL index
    otherwise); on PostgreSQL every table gets statistics (without them the planner may scan
    where it should probe) and a vacuum, so that autovacuum does not start mid-measurement
    and index-only scans need not visit the table.
    """
    if db.is_sqlite:
        raw = db.engine.raw_connection()  # outside any transaction, or the checkpoint stops
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = cursor.fetchone() or (None, None, None)
            assert busy == 0, "the checkpoint could not finish"
        finally:
            raw.close()
    else:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
