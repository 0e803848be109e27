"""A worker's submissions by status: the review queue's worker records read from the index.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_submissions_worker_status", "submissions", ["worker_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_worker_status", table_name="submissions")
