"""Alembic driven from the app: `fairfield db upgrade` and the test fixtures use this."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from backend.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# Spatial structures that live outside the ORM's metadata, per backend (migration 0002).
UNMAPPED_TABLES = ("missions_rtree", "spatial_ref_sys")
UNMAPPED_COLUMNS = {("missions", "location")}
UNMAPPED_INDEXES = {"ix_missions_open_location"}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, _compare: Any) -> bool:
    """Keep the spatial index out of autogenerate's comparison with the models."""
    if type_ == "table" and name and name.startswith(UNMAPPED_TABLES):
        return False
    if (
        type_ == "column"
        and (getattr(obj, "table", None) is not None)
        and ((obj.table.name, name) in UNMAPPED_COLUMNS)
    ):
        return False
    return not (type_ == "index" and name in UNMAPPED_INDEXES)


def edit_sqlite_schema(bind: Any, table: str, edits: list[tuple[str, str]]) -> None:
    """Loosen a SQLite table's declaration in place (a wider CHECK, a nullable column).

    SQLite can alter neither, and rebuilding `missions` would renumber the rowids its R*Tree
    is keyed by, while rebuilding `submissions` would trip the foreign keys pointing at it.
    SQLite documents editing the stored schema for changes every existing row satisfies.
    """
    version = int(bind.exec_driver_sql("PRAGMA schema_version").scalar() or 0)
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    for old, new in edits:
        changed = bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
            "WHERE type = 'table' AND name = ? AND instr(sql, ?) > 0",
            (old, new, table, old),
        )
        assert changed.rowcount == 1, f"{table}: {old!r} not found"
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def rebuild_sqlite_spatial_index(database: Database) -> int:
    """Re-key the R*Tree from missions' rowids (needed after a VACUUM, which may renumber them)."""
    from sqlalchemy import text

    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM missions_rtree"))
        conn.execute(
            text(
                "INSERT INTO missions_rtree SELECT rowid, latitude, latitude, longitude, "
                "longitude FROM missions WHERE status = 'open'"
            )
        )
        return int(conn.execute(text("SELECT count(*) FROM missions_rtree")).scalar() or 0)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply migrations up to `revision` on the app's database."""
    cfg = alembic_config(database.url)
    with database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(database: Database, revision: str) -> None:
    cfg = alembic_config(database.url)
    with database.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
