"""What the photos must show, on a campaign; a payout request that closes the account.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs on both backends: SQLite must not rebuild these tables.
    op.add_column("campaigns", sa.Column("photo_instructions", sa.String(2000), nullable=True))
    op.add_column(
        "payout_requests",
        sa.Column("final", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE payout_requests DROP COLUMN final")
    op.execute("ALTER TABLE campaigns DROP COLUMN photo_instructions")
