"""Fair work: mission bonuses, show-up pay and a store_closed mission status; erasure of
people; raw positions that may be reduced after the retention period.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:13:32.572600
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db
from backend.migrate import edit_sqlite_schema

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CHECK = (
    "status IN ('draft', 'open', 'claimed', 'submitted', 'completed', 'cancelled', 'expired')"
)
NEW_CHECK = OLD_CHECK.replace("'expired')", "'expired', 'store_closed')")
POSITION = ("latitude", "longitude", "accuracy_m")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _mission_statuses(old: str, new: str) -> None:
    if _sqlite():
        edit_sqlite_schema(op.get_bind(), "missions", [(old, new)])
    else:
        op.drop_constraint(op.f("ck_missions_status_known"), "missions", type_="check")
        op.create_check_constraint(op.f("ck_missions_status_known"), "missions", new)


def _position_nullable(nullable: bool) -> None:
    if _sqlite():
        strict = [(f"{c} FLOAT NOT NULL,", f"{c} FLOAT,") for c in POSITION]
        edit_sqlite_schema(
            op.get_bind(), "submissions", strict if nullable else [(b, a) for a, b in strict]
        )
        return
    for column in POSITION:
        op.alter_column("submissions", column, existing_type=sa.Float(), nullable=nullable)


def upgrade() -> None:
    op.add_column(
        "missions", sa.Column("bonus_minor", sa.BigInteger(), server_default="0", nullable=False)
    )
    op.add_column("missions", sa.Column("show_up_minor", sa.BigInteger(), nullable=True))
    _mission_statuses(OLD_CHECK, NEW_CHECK)
    op.add_column(
        "submissions",
        sa.Column("location_reduced_at", backend.db.UTCDateTime(timezone=True), nullable=True),
    )
    _position_nullable(True)
    op.add_column(
        "users", sa.Column("erased_at", backend.db.UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    # Native DROP COLUMN (SQLite 3.35+) rather than a rebuild, for the same reasons as above.
    op.execute("ALTER TABLE users DROP COLUMN erased_at")
    reduced = (
        op.get_bind()
        .exec_driver_sql("SELECT count(*) FROM submissions WHERE latitude IS NULL")
        .scalar()
    )
    if reduced:
        raise RuntimeError(f"{reduced} submissions' positions were reduced; they cannot return")
    _position_nullable(False)
    op.execute("ALTER TABLE submissions DROP COLUMN location_reduced_at")
    op.execute("UPDATE missions SET status = 'completed' WHERE status = 'store_closed'")
    _mission_statuses(NEW_CHECK, OLD_CHECK)
    op.execute("ALTER TABLE missions DROP COLUMN show_up_minor")
    op.execute("ALTER TABLE missions DROP COLUMN bonus_minor")
