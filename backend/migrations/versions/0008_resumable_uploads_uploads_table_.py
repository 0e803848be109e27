"""Resumable uploads: an uploads table, and submissions `uploading` (photos still arriving)
and `abandoned` (they never all did).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 04:33:38.862839
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db
from backend.migrate import edit_sqlite_schema

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_CHECK = "status IN ('received', 'validating', 'in_review', 'approved', 'rejected', 'appealed')"
NEW_CHECK = (
    "status IN ('uploading', 'received', 'validating', 'in_review', 'approved', "
    "'rejected', 'appealed', 'abandoned')"
)


def _submission_statuses(old: str, new: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        edit_sqlite_schema(op.get_bind(), "submissions", [(old, new)])
    else:
        op.drop_constraint(op.f("ck_submissions_status_known"), "submissions", type_="check")
        op.create_check_constraint(op.f("ck_submissions_status_known"), "submissions", new)


def upgrade() -> None:
    op.create_table(
        "uploads",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("length > 0", name=op.f("ck_uploads_length_positive")),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_uploads_submission_id_submissions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint(
            "submission_id", "position", name=op.f("uq_uploads_submission_id_position")
        ),
    )
    op.create_index(op.f("ix_uploads_submission_id"), "uploads", ["submission_id"], unique=False)
    _submission_statuses(OLD_CHECK, NEW_CHECK)


def downgrade() -> None:
    unfinished = (
        op.get_bind()
        .exec_driver_sql(
            "SELECT count(*) FROM submissions WHERE status IN ('uploading', 'abandoned')"
        )
        .scalar()
    )
    if unfinished:
        raise RuntimeError(f"{unfinished} submissions are uploading or abandoned; finish them")
    _submission_statuses(NEW_CHECK, OLD_CHECK)
    op.drop_index(op.f("ix_uploads_submission_id"), table_name="uploads")
    op.drop_table("uploads")
