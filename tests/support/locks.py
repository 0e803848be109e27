"""Is SQLite's write lock free right now? Slow work (hashing, photos) must always find it so."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest


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
