"""The fairness figures without joins: each submission keeps its campaign, the seconds from
its receipt to its first approval or rejection, and its credit, and each paid payout request
the seconds it took, built here from the rows they come from; covering indexes for the
window's scans and the quantiles, and the open missions' pay by campaign.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backend.db import UTCDateTime
from backend.kernel.durations import seconds_between

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NULL = sa.text("NULL")
FAIRNESS_COLUMNS = [
    "status",
    "outcome",
    "campaign_id",
    "decision_seconds",
    "credited_minor",
    "credited_currency",
]
# Each submission's figures from today's rows, as the write paths keep them from now on.
BACKFILL = (
    "UPDATE submissions SET campaign_id = "
    "(SELECT m.campaign_id FROM missions m WHERE m.id = submissions.mission_id)",
    # The positive entry of its credit: the worker's.
    "UPDATE submissions SET credited_minor = (SELECT e.amount_minor "
    "FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id "
    "WHERE t.submission_id = submissions.id AND t.kind = 'submission_credit' "
    "AND e.amount_minor > 0 ORDER BY e.id LIMIT 1)",
    "UPDATE submissions SET credited_currency = (SELECT e.currency "
    "FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id "
    "WHERE t.submission_id = submissions.id AND t.kind = 'submission_credit' "
    "AND e.amount_minor > 0 ORDER BY e.id LIMIT 1)",
)


def upgrade() -> None:
    op.add_column(
        "submissions",
        sa.Column("campaign_id", sa.String(length=36), nullable=True, server_default=NULL),
    )
    op.add_column(
        "submissions", sa.Column("decision_seconds", sa.Float(), nullable=True, server_default=NULL)
    )
    op.add_column(
        "submissions",
        sa.Column("credited_minor", sa.BigInteger(), nullable=True, server_default=NULL),
    )
    op.add_column(
        "submissions",
        sa.Column("credited_currency", sa.String(length=3), nullable=True, server_default=NULL),
    )
    for statement in BACKFILL:
        op.execute(statement)
    op.execute(_decision_seconds())
    op.create_index("ix_submissions_fairness", "submissions", ["received_at", *FAIRNESS_COLUMNS])
    op.create_index(
        "ix_submissions_brand_fairness",
        "submissions",
        ["brand_id", "received_at", *FAIRNESS_COLUMNS],
    )
    op.create_index(
        "ix_submissions_decision_seconds", "submissions", ["decision_seconds", "received_at"]
    )
    op.create_index(
        "ix_submissions_brand_decision_seconds",
        "submissions",
        ["brand_id", "decision_seconds", "received_at"],
    )
    op.create_index(
        "ix_missions_open_pay",
        "missions",
        ["campaign_id", "reward_amount_minor", "bonus_minor", "reward_currency"],
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )
    op.add_column(
        "payout_requests",
        sa.Column("paid_after_seconds", sa.Float(), nullable=True),
    )
    op.execute(_paid_after_seconds())
    op.drop_index("ix_payout_requests_status_requested", table_name="payout_requests")
    op.create_index(
        "ix_payout_requests_status_requested",
        "payout_requests",
        ["status", "requested_at", "paid_at", "paid_after_seconds"],
    )
    op.create_index(
        "ix_payout_requests_paid_after",
        "payout_requests",
        ["status", "paid_after_seconds", "requested_at"],
    )


def _decision_seconds() -> sa.Update:
    """Receipt to the first approval or rejection, as decisions.record_decision keeps it."""
    submissions = sa.table(
        "submissions",
        sa.column("id"),
        sa.column("received_at", UTCDateTime()),
        sa.column("decision_seconds", sa.Float()),
    )
    decisions = sa.table(
        "submission_decisions",
        sa.column("submission_id"),
        sa.column("status"),
        sa.column("created_at", UTCDateTime()),
    )
    first = (
        sa.select(sa.func.min(decisions.c.created_at))
        .where(
            decisions.c.submission_id == submissions.c.id,
            decisions.c.status.in_(("approved", "rejected")),
        )
        .scalar_subquery()
    )
    return submissions.update().values(
        decision_seconds=seconds_between(submissions.c.received_at, first)
    )


def _paid_after_seconds() -> sa.Update:
    """Request to payment of every paid request, as payouts.service.mark_batch_paid keeps it."""
    requests = sa.table(
        "payout_requests",
        sa.column("requested_at", UTCDateTime()),
        sa.column("paid_at", UTCDateTime()),
        sa.column("paid_after_seconds", sa.Float()),
    )
    return (
        requests.update()
        .where(requests.c.paid_at.is_not(None))
        .values(paid_after_seconds=seconds_between(requests.c.requested_at, requests.c.paid_at))
    )


def downgrade() -> None:
    op.drop_index("ix_payout_requests_paid_after", table_name="payout_requests")
    op.drop_index("ix_payout_requests_status_requested", table_name="payout_requests")
    op.create_index(
        "ix_payout_requests_status_requested", "payout_requests", ["status", "requested_at"]
    )
    op.execute("ALTER TABLE payout_requests DROP COLUMN paid_after_seconds")
    op.drop_index("ix_missions_open_pay", table_name="missions")
    op.drop_index("ix_submissions_brand_decision_seconds", table_name="submissions")
    op.drop_index("ix_submissions_decision_seconds", table_name="submissions")
    op.drop_index("ix_submissions_brand_fairness", table_name="submissions")
    op.drop_index("ix_submissions_fairness", table_name="submissions")
    for column in ("credited_currency", "credited_minor", "decision_seconds", "campaign_id"):
        op.execute(f"ALTER TABLE submissions DROP COLUMN {column}")
