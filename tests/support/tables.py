"""Emptying the database between tests and benchmark sections, and reading all of it back."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from backend.db import Base, Database
from backend.ledger import models as ledger


def empty_tables(database: Database) -> None:
    """Delete every row of every table, the append-only ones too."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.is_sqlite:
            # The ledger and the decisions refuse deletes (append-only): lift that for cleanup.
            triggers = ledger.sqlite_triggers(ledger.APPEND_ONLY_TABLES)
            for name in triggers:
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 (our table names)
            for ddl in triggers.values():
                conn.execute(text(ddl))
        else:
            # A session left open would block TRUNCATE forever: fail loudly instead.
            conn.execute(text("SET LOCAL lock_timeout = '15s'"))
            conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))


def stored_values(database: Database) -> list[tuple[str, str]]:
    """(table, value) for every value of every row of every table, as text."""
    found = []
    with database.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    as_json = json.dumps(value, default=str, ensure_ascii=False)
                    found.append(
                        (table.name, as_json if isinstance(value, dict | list) else str(value))
                    )
    return found
