"""Ledger indexes for the ledger check and a worker's earnings: covering where a sum or a
check reads them, and a worker's lines in page order.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_ledger_entries_transaction_movement",
        "ledger_entries",
        ["transaction_id", "account", "currency", "amount_minor"],
        unique=False,
    )
    op.drop_index("ix_ledger_entries_transaction_id", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_account_balance",
        "ledger_entries",
        ["account", "currency", "amount_minor"],
        unique=False,
    )
    op.drop_index("ix_ledger_entries_account_currency", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_account_created",
        "ledger_entries",
        ["account", "created_at", "id"],
        unique=False,
    )
    op.create_index("ix_ledger_transactions_kind", "ledger_transactions", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ledger_transactions_kind", table_name="ledger_transactions")
    op.drop_index("ix_ledger_entries_account_created", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_account_currency",
        "ledger_entries",
        ["account", "currency"],
        unique=False,
    )
    op.drop_index("ix_ledger_entries_account_balance", table_name="ledger_entries")
    op.create_index(
        "ix_ledger_entries_transaction_id", "ledger_entries", ["transaction_id"], unique=False
    )
    op.drop_index("ix_ledger_entries_transaction_movement", table_name="ledger_entries")
