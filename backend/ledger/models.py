"""The ledger: transactions and their entries, append-only (enforced by database triggers)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id


class LedgerTransaction(Base):
    __tablename__ = "ledger_transactions"
    __table_args__ = (
        # The ledger check finds each kind's few transactions (fundings, payouts) without
        # reading every credit.
        Index("ix_ledger_transactions_kind", "kind"),
        # An approved submission is credited once, whoever approves it and however often.
        Index(
            "uq_ledger_transactions_submission_credit",
            "submission_id",
            unique=True,
            postgresql_where=text("kind = 'submission_credit'"),
            sqlite_where=text("kind = 'submission_credit'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    submission_id: Mapped[str | None] = mapped_column(ForeignKey("submissions.id"))
    memo: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_minor <> 0", name="amount_nonzero"),
        # Covering: a balance (and the ledger check's sums per account) reads the index alone.
        Index("ix_ledger_entries_account_balance", "account", "currency", "amount_minor"),
        # A worker's lines newest first, a page at a time (GET /me/earnings).
        Index("ix_ledger_entries_account_created", "account", "created_at", "id"),
        # Covering: the ledger check reads each transaction's movements from the index alone.
        Index(
            "ix_ledger_entries_transaction_movement",
            "transaction_id",
            "account",
            "currency",
            "amount_minor",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"))
    account: Mapped[str] = mapped_column(String(80))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


LEDGER_TABLES = ("ledger_transactions", "ledger_entries")
APPEND_ONLY = "ledger rows are append-only"


# The ledger and the audit of decisions: rows are written once and never changed.
APPEND_ONLY_TABLES = (*LEDGER_TABLES, "submission_decisions")


def sqlite_triggers(tables: tuple[str, ...] = LEDGER_TABLES) -> dict[str, str]:
    """SQLite: refuse UPDATE and DELETE on these tables' rows (name -> CREATE TRIGGER)."""
    return {
        f"{table}_no_{verb.lower()}": (
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
        for table in tables
        for verb in ("UPDATE", "DELETE")
    }


POSTGRESQL_FUNCTION = (
    "CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
)


def postgresql_triggers(tables: tuple[str, ...] = LEDGER_TABLES) -> dict[str, str]:
    """PostgreSQL: refuse UPDATE and DELETE on these tables' rows (name -> CREATE TRIGGER)."""
    return {
        f"{table}_append_only": (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
        )
        for table in tables
    }
