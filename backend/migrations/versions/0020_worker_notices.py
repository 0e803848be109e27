"""The worker's notices by mail: users may turn them off (on for everyone to start with), and
a queued notice keeps the facts of the act it reports.

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("notify_by_email", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    op.add_column("mail_messages", sa.Column("facts", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN on both: rebuilding `users` on SQLite would trip
    # every foreign key pointing at it.
    op.execute("ALTER TABLE mail_messages DROP COLUMN facts")
    op.execute("ALTER TABLE users DROP COLUMN notify_by_email")
