"""Ledger check runs: the ledger check as a task (on demand and nightly), its result kept.
Store imports: a store CSV imported by a task, its progress and per-line errors kept.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_check_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("covered", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'passed', 'failed')",
            name=op.f("ck_ledger_check_runs_status_known"),
        ),
        sa.CheckConstraint(
            "trigger IN ('manual', 'nightly')", name=op.f("ck_ledger_check_runs_trigger_known")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_ledger_check_runs_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_check_runs")),
    )
    op.create_index(
        "ix_ledger_check_runs_created_at", "ledger_check_runs", ["created_at"], unique=False
    )
    op.create_table(
        "store_imports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("brand_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("last_line", sa.Integer(), nullable=False),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_store_imports_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_store_imports_brand_id_brands")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_store_imports_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_imports")),
    )
    op.create_index(op.f("ix_store_imports_brand_id"), "store_imports", ["brand_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_store_imports_brand_id"), table_name="store_imports")
    op.drop_table("store_imports")
    op.drop_index("ix_ledger_check_runs_created_at", table_name="ledger_check_runs")
    op.drop_table("ledger_check_runs")
