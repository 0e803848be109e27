"""Migrations build exactly the models' schema, on SQLite and PostgreSQL, and unwind."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend import migrate
from backend.db import Base


def test_migrated_schema_matches_models(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": migrate.include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert migrate.current(db) is not None


def test_downgrade_to_base_and_back(db, app):
    migrate.downgrade(db, "base")
    leftover = set(inspect(db.engine).get_table_names()) - {"alembic_version", "spatial_ref_sys"}
    assert leftover == set()
    migrate.upgrade(db)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())
