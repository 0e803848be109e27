"""The review queue's rank stored beside a submission's flags, and an index in queue order.

The queue sorted by an expression on the flags' JSON text, so every page read every waiting
row; with the rank stored and indexed, a page reads its fifty.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The flags of a submission its campaign sends to review without doubting it (as stored when
# this migration was written; review.rules.ROUTINE_FLAGS may grow later).
UNDOUBTED = ("[]", '["campaign_requires_review"]')
IN_REVIEW = sa.text("status = 'in_review'")


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: SQLite must not rebuild `submissions`.
    op.add_column(
        "submissions",
        sa.Column("review_rank", sa.SmallInteger(), server_default=sa.text("1"), nullable=False),
    )
    flags = sa.table("submissions", sa.column("flags", sa.Text()), sa.column("review_rank"))
    op.execute(
        flags.update()
        .where(sa.cast(flags.c.flags, sa.Text()).not_in(UNDOUBTED))
        .values(review_rank=0)
    )
    op.create_index(
        op.f("ix_submissions_review_queue"),
        "submissions",
        ["review_rank", "received_at", "id"],
        postgresql_where=IN_REVIEW,
        sqlite_where=IN_REVIEW,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_submissions_review_queue"), table_name="submissions")
    op.execute("ALTER TABLE submissions DROP COLUMN review_rank")
