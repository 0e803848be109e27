"""Is SQLite's write lock free right now? Slow work (hashing, photos) must always find it so.
And holding writes back on purpose, so a worker hangs where a test wants it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text


def write_lock_is_free(database_url: str) -> bool:
    """Whether another connection could begin writing at once."""
    other = sqlite3.connect(database_url.split(":///", 1)[1], timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return False
    finally:
        other.close()


def probe_write_lock(
    monkeypatch: pytest.MonkeyPatch, target: Any, name: str, database_url: str
) -> list[bool]:
    """Wrap `target.name`: each call first records whether the write lock is free."""
    seen: list[bool] = []
    original = getattr(target, name)

    def probed(*args: Any, **kwargs: Any) -> Any:
        seen.append(write_lock_is_free(database_url))
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, probed)
    return seen


@contextmanager
def hold_write_lock(
    db: Any, backend_name: str, database_url: str, table: str = "pipeline_checks"
) -> Iterator[None]:
    """Block writes to `table`, so a worker that takes the task hangs holding it."""
    if backend_name == "sqlite":
        conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
    else:
        with db.engine.connect() as conn:
            trans = conn.begin()
            conn.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
            try:
                yield
            finally:
                trans.rollback()
