"""Alembic environment: runs on the app's engine; batch mode so SQLite can ALTER."""

from __future__ import annotations

from alembic import context

import backend.models  # noqa: F401  (register every table on Base.metadata)
from backend.db import Base
from backend.migrate import include_object

config = context.config
connection = config.attributes.get("connection")


def run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run(conn)
