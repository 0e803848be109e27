"""SQLite runs in WAL with a busy timeout; write sessions hold the write lock from BEGIN."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from backend.db import Database, UTCDateTime


@pytest.fixture
def sqlite_db(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite'}", pool_size=1, busy_timeout_ms=200)
    yield database
    database.engine.dispose()


def test_sqlite_pragmas(sqlite_db):
    with sqlite_db.transaction(write=False) as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 200
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_write_session_takes_the_write_lock_at_begin(sqlite_db, tmp_path):
    session = sqlite_db.session(write=True)
    try:
        other = sqlite3.connect(tmp_path / "x.sqlite", timeout=0.1, isolation_level=None)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        assert time.monotonic() - started < 5
        other.close()
    finally:
        session.rollback()
        session.close()


def test_read_session_does_not_block_writers(sqlite_db, tmp_path):
    session = sqlite_db.session(write=False)
    session.execute(text("SELECT 1"))
    other = sqlite3.connect(tmp_path / "x.sqlite", timeout=0.1, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
    session.close()


def test_utc_datetimes_round_trip_aware():
    column = UTCDateTime()

    class Dialect:
        name = "sqlite"

    brussels = timezone(timedelta(hours=1))
    stored = column.process_bind_param(datetime(2026, 1, 1, 13, 0, tzinfo=brussels), Dialect())
    assert stored == datetime(2026, 1, 1, 12, 0)
    assert column.process_result_value(stored, Dialect()) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), Dialect())
