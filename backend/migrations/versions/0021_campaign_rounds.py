"""Recurring campaigns: a schedule (with a hold and its reason when a round cannot open),
rounds of missions (one per store per round), each round's opening and funding kept.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backend.db
from backend.migrate import edit_sqlite_schema

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_UNIQUE = "CONSTRAINT uq_missions_campaign_id_store_id UNIQUE (campaign_id, store_id)"
NEW_UNIQUE = (
    "CONSTRAINT uq_missions_campaign_id_store_id_round UNIQUE (campaign_id, store_id, round)"
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _unique(old: str, new: str, columns: list[str]) -> None:
    if _sqlite():
        # A wider key every row satisfies: the stored declaration is edited in place (a
        # rebuild would renumber the rowids the R*Tree is keyed by) and the index behind it
        # rebuilt from the new declaration.
        edit_sqlite_schema(op.get_bind(), "missions", [(old, new)])
        op.execute("REINDEX missions")
        return
    old_name = old.split()[1]
    new_name = new.split()[1]
    op.drop_constraint(old_name, "missions", type_="unique")
    op.create_unique_constraint(new_name, "missions", columns)


def upgrade() -> None:
    op.create_table(
        "campaign_schedules",
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("hold", sa.String(length=32), nullable=True),
        sa.Column("hold_since", backend.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "every_days BETWEEN 1 AND 365", name=op.f("ck_campaign_schedules_every_days_range")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_schedules_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_schedules")),
    )
    op.add_column("missions", sa.Column("round", sa.Integer(), server_default="1", nullable=False))
    _unique(OLD_UNIQUE, NEW_UNIQUE, ["campaign_id", "store_id", "round"])
    op.create_table(
        "campaign_rounds",
        sa.Column("campaign_id", sa.String(length=36), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("opened_at", backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("funded_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_rounds_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "round", name=op.f("pk_campaign_rounds")),
    )
    # Every campaign published so far ran one round, opened when it was published and
    # funded by what its publishing paid in.
    op.execute(
        """
        INSERT INTO campaign_rounds (campaign_id, round, opened_at, funded_minor, currency)
        SELECT c.id, 1, c.published_at, COALESCE((
            SELECT SUM(e.amount_minor) FROM ledger_entries e
            JOIN ledger_transactions t ON t.id = e.transaction_id
            WHERE e.account = 'campaign:' || c.id AND t.kind = 'campaign_funding'
              AND t.memo IS NULL AND e.currency = c.reward_currency
        ), 0), c.reward_currency
        FROM campaigns c WHERE c.published_at IS NOT NULL
        """
    )


def downgrade() -> None:
    later = op.get_bind().exec_driver_sql("SELECT count(*) FROM missions WHERE round > 1").scalar()
    if later:
        raise RuntimeError(f"{later} missions belong to later rounds; they cannot go back")
    op.drop_table("campaign_rounds")
    _unique(NEW_UNIQUE, OLD_UNIQUE, ["campaign_id", "store_id"])
    op.execute("ALTER TABLE missions DROP COLUMN round")
    op.drop_table("campaign_schedules")
