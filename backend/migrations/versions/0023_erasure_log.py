"""The erasure log: every erasure, so a restore from a backup can make it again.

Revision ID: 0023
Revises: 0021 (relinked to 0022 at merge)
Create Date: 2026-12-06 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "erasure_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_ids", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_log")),
    )
    op.create_index(op.f("ix_erasure_log_at"), "erasure_log", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_erasure_log_at"), table_name="erasure_log")
    op.drop_table("erasure_log")
