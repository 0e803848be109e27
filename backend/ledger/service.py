"""Post balanced transactions to the ledger and read balances back from their entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from backend.db import new_id
from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction


def post(
    *,
    db_session: Session,
    kind: str,
    entries: Sequence[rules.Entry],
    now: datetime,
    submission_id: str | None = None,
    memo: str | None = None,
) -> str:
    """Append one balanced transaction and its entries; returns the transaction's id."""
    rules.check_balanced(entries)
    transaction_id = new_id()
    connection = db_session.connection()
    connection.execute(
        insert(LedgerTransaction),
        {
            "id": transaction_id,
            "kind": kind,
            "submission_id": submission_id,
            "memo": memo,
            "created_at": now,
        },
    )
    connection.execute(
        insert(LedgerEntry),
        [
            {
                "id": new_id(),
                "transaction_id": transaction_id,
                "account": e.account,
                "amount_minor": e.amount_minor,
                "currency": e.currency,
                "created_at": now,
            }
            for e in entries
        ],
    )
    return transaction_id


def balance(*, db_session: Session, account: str, currency: str) -> int:
    """An account's balance: the sum of its entries, never a stored figure."""
    total = db_session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.account == account, LedgerEntry.currency == currency
        )
    )
    return int(total or 0)
