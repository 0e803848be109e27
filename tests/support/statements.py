"""Watching the SQL a block of code sends."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event


@contextmanager
def statements(db: Any) -> Iterator[list[str]]:
    """Every SQL statement sent while inside."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


TABLE = re.compile(r"\b(?:FROM|JOIN)\s+\"?(\w+)\"?", re.IGNORECASE)


def selects(seen: list[str]) -> Counter[str]:
    """How many SELECTs read each table (one reading two tables counts for both)."""
    counts: Counter[str] = Counter()
    for statement in seen:
        if statement.lstrip().upper().startswith("SELECT"):
            counts.update(set(TABLE.findall(statement)))
    return counts
