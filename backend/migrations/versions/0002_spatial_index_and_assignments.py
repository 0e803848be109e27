"""Spatial index of open missions (PostGIS on PostgreSQL, R*Tree on SQLite); assignments.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Only open missions are indexed: the nearby search never looks at any other, and the index
# stays as small as the supply of work rather than growing with every mission ever made.
SQLITE_RTREE = [
    "CREATE VIRTUAL TABLE missions_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)",
    """CREATE TRIGGER missions_rtree_insert AFTER INSERT ON missions WHEN NEW.status = 'open'
       BEGIN INSERT INTO missions_rtree VALUES
         (NEW.rowid, NEW.latitude, NEW.latitude, NEW.longitude, NEW.longitude); END""",
    """CREATE TRIGGER missions_rtree_update AFTER UPDATE OF status, latitude, longitude
       ON missions BEGIN
         DELETE FROM missions_rtree WHERE id = OLD.rowid;
         INSERT INTO missions_rtree SELECT NEW.rowid, NEW.latitude, NEW.latitude,
           NEW.longitude, NEW.longitude WHERE NEW.status = 'open'; END""",
    """CREATE TRIGGER missions_rtree_delete AFTER DELETE ON missions
       BEGIN DELETE FROM missions_rtree WHERE id = OLD.rowid; END""",
    """INSERT INTO missions_rtree SELECT rowid, latitude, latitude, longitude, longitude
       FROM missions WHERE status = 'open'""",
]
POSTGIS = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    """ALTER TABLE missions ADD COLUMN location geography(Point, 4326)
       GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography)
       STORED""",
    "CREATE INDEX ix_missions_open_location ON missions USING gist (location) "
    "WHERE status = 'open'",
]


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("mission_id", sa.String(length=36), nullable=False),
        sa.Column("worker_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('active', 'submitted', 'released', 'expired')",
            name=op.f("ck_assignments_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"], ["missions.id"], name=op.f("fk_assignments_mission_id_missions")
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["users.id"], name=op.f("fk_assignments_worker_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    active = sa.text("status = 'active'")
    op.create_index(
        "uq_assignments_active_mission",
        "assignments",
        ["mission_id"],
        unique=True,
        postgresql_where=active,
        sqlite_where=active,
    )
    op.create_index("ix_assignments_worker_status", "assignments", ["worker_id", "status"])
    op.create_index(
        "ix_assignments_active_expires",
        "assignments",
        ["expires_at"],
        postgresql_where=active,
        sqlite_where=active,
    )
    op.create_index(op.f("ix_assignments_mission_id"), "assignments", ["mission_id"])
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_RTREE, "postgresql": POSTGIS}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER missions_rtree_{name}")
        op.execute("DROP TABLE missions_rtree")
    elif dialect == "postgresql":
        op.execute("DROP INDEX ix_missions_open_location")
        op.execute("ALTER TABLE missions DROP COLUMN location")
    op.drop_table("assignments")
