"""Emptying the database between tests and benchmark sections."""

from __future__ import annotations

from sqlalchemy import text

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
