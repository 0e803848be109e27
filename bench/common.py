"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

from apiflask import APIFlask
from sqlalchemy import create_engine, make_url

from backend import create_app, migrate
from backend.db import Database


def bench_app(url: str, broker: str, var: str, settings: dict[str, Any] | None = None) -> APIFlask:
    """A migrated app on `url` with rate limits off, as a load test runs it; `settings` on
    top (the photo store's, say)."""
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
        | (settings or {})
    )


@contextlib.contextmanager
def own_database(url: str, name: str) -> Iterator[str]:
    """SQLite: the file given. PostgreSQL: the database `name` on the same server, fresh,
    dropped afterwards; for a section whose rows must not meet another's (a ledger checked
    whole, photos that would be taken for reused copies of another section's)."""
    if url.startswith("sqlite"):
        yield url
        return
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        server.dispose()


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
