"""SQLite runs in WAL with a busy timeout; write sessions hold the write lock from BEGIN."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import psycopg
import pytest
from sqlalchemy import text

from backend.db import Database, UTCDateTime
from tests.support.locks import write_lock_is_free


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
        assert session.execute(text("PRAGMA mmap_size")).scalar() == 256 * 1024 * 1024


def test_write_session_takes_the_write_lock_at_its_first_statement_not_before(sqlite_db, tmp_path):
    session = sqlite_db.session(write=True)
    try:
        # Slow work done before the first statement (a password hash) holds no lock.
        assert write_lock_is_free(f"sqlite:///{tmp_path / 'x.sqlite'}")
        session.execute(text("SELECT 1"))
        # From its first statement, even a read, the session holds it: its reads and the
        # writes that follow them see one state, and no upgrade can fail with SQLITE_BUSY.
        assert not write_lock_is_free(f"sqlite:///{tmp_path / 'x.sqlite'}")
        session.rollback()
        assert write_lock_is_free(f"sqlite:///{tmp_path / 'x.sqlite'}")
    finally:
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


def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_url, monkeypatch):
    database = Database(postgres_url, pool_size=1, busy_timeout_ms=200)
    try:
        with database.transaction(write=False) as session:
            first = session.execute(text("SELECT pg_backend_pid()")).scalar()
        # The server drops it while it sits in the pool (a restart, a proxy's idle timeout).
        dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", (first,))
        # Used within the idle window: not pinged; a dead connection would fail here, so
        # treat it as idle at once, as it would be after PING_IDLE_SECONDS.
        monkeypatch.setattr("backend.db.PING_IDLE_SECONDS", 0.0)
        with database.transaction(write=False) as session:
            again = session.execute(text("SELECT pg_backend_pid()")).scalar()
        assert again != first
    finally:
        database.engine.dispose()
