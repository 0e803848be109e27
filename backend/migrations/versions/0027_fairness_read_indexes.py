"""Fairness reads: the window's submissions in the order their counts group them, platform-wide
and per brand, so that SQLite (which groups by sorting) counts them without sorting the window;
a brand's submissions of the window by id, so that PostgreSQL joins the appeals to them from
the index alone.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUPED = [
    "campaign_id",
    "status",
    "outcome",
    "credited_minor",
    "credited_currency",
    "received_at",
    "decision_seconds",
]


def upgrade() -> None:
    op.create_index("ix_submissions_fairness_grouped", "submissions", GROUPED)
    op.create_index("ix_submissions_brand_fairness_grouped", "submissions", ["brand_id", *GROUPED])
    op.create_index(
        "ix_submissions_brand_received_id", "submissions", ["brand_id", "received_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_submissions_brand_received_id", table_name="submissions")
    op.drop_index("ix_submissions_brand_fairness_grouped", table_name="submissions")
    op.drop_index("ix_submissions_fairness_grouped", table_name="submissions")
