"""An outbox message keeps the request id and trace context of the request that wrote it, so
the task it becomes logs under that id and joins that trace however late it is sent.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox_messages", sa.Column("trace_context", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE outbox_messages DROP COLUMN trace_context")
