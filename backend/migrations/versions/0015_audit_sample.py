"""The audit sample: machine approvals drawn for a person's second look, and the audits.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_samples",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("sampled_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "percent > 0 AND percent <= 100", name=op.f("ck_audit_samples_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_audit_samples_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_audit_samples")),
    )
    with op.batch_alter_table("audit_samples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_samples_sampled_at"), ["sampled_at"], unique=False
        )

    op.create_table(
        "audits",
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("agree", sa.Boolean(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=True),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("audited_by", sa.String(length=36), nullable=False),
        sa.Column("audited_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "agree OR reason_code IS NOT NULL", name=op.f("ck_audits_disagreement_has_reason")
        ),
        sa.ForeignKeyConstraint(
            ["audited_by"], ["users.id"], name=op.f("fk_audits_audited_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["audit_samples.submission_id"],
            name=op.f("fk_audits_submission_id_audit_samples"),
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_audits")),
    )
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audits_audited_by"), ["audited_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audits_audited_by"))
    op.drop_table("audits")
    with op.batch_alter_table("audit_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_samples_sampled_at"))
    op.drop_table("audit_samples")
