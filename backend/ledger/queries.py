"""What the API shows of the ledger: a worker's lines and earnings. Reads only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.ledger.service import HOME_CURRENCY, worker_balance
from backend.pagination import page, paginate


def ledger_lines(
    *, db_session: Session, worker_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A worker's ledger lines, newest first, a page at a time, each with its transaction."""
    stmt = paginate(_lines(worker_id), LedgerEntry, limit=limit, cursor=cursor)
    envelope = page(db_session.execute(stmt).all(), limit=limit)
    envelope["items"] = [ledger_line_out(row) for row in envelope["items"]]
    return envelope


def _lines(worker_id: str) -> Select[Any]:
    stmt: Select[Any] = select(  # type: ignore[assignment]  # paginate takes any Select
        LedgerEntry.id,
        LedgerEntry.transaction_id,
        LedgerEntry.amount_minor,
        LedgerEntry.currency,
        LedgerEntry.created_at,
        LedgerTransaction.kind,
        LedgerTransaction.submission_id,
        LedgerTransaction.memo,
    ).join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
    return stmt.where(LedgerEntry.account == rules.worker_account(worker_id))


def ledger_line_out(row: Any) -> dict[str, Any]:
    """One ledger line (an entry joined to its transaction) as `LedgerLineOut` shows it."""
    return {
        "id": row.id,
        "transaction_id": row.transaction_id,
        "kind": row.kind,
        "amount": {"amount_minor": row.amount_minor, "currency": row.currency},
        "created_at": row.created_at,
        "submission_id": row.submission_id,
        "memo": row.memo,
    }


def earnings(
    *, db_session: Session, worker_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A worker's balance and a page of their ledger lines: one statement when there are
    lines (each row carries the balance), the balance alone when there are none."""
    entry = aliased(LedgerEntry)
    balance = (
        select(func.coalesce(func.sum(entry.amount_minor), 0))
        .where(entry.account == rules.worker_account(worker_id), entry.currency == HOME_CURRENCY)
        .scalar_subquery()
    )
    stmt = paginate(_lines(worker_id), LedgerEntry, limit=limit, cursor=cursor)
    rows = db_session.execute(stmt.add_columns(balance.label("balance"))).all()
    envelope = page(rows, limit=limit)
    envelope["items"] = [ledger_line_out(row) for row in envelope["items"]]
    if rows:
        amount: dict[str, int | str] = {
            "amount_minor": int(rows[0].balance),
            "currency": HOME_CURRENCY,
        }
    else:
        amount = worker_balance(db_session=db_session, worker_id=worker_id)
    return {"balance": amount, **envelope}
