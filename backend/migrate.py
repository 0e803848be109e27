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
