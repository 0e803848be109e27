"""What the API shows of the ledger: a worker's lines and earnings. Reads only."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.ledger.service import HOME_CURRENCY, worker_balance
from backend.pagination import decode_cursor, page, paginate


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
    params: dict[str, Any] = {"account": rules.worker_account(worker_id), "limit": limit + 1}
    if cursor:
        params["before_at"], params["before_id"] = decode_cursor(cursor)
    # Core, on the session's connection: the rows are plain tuples, no ORM step between.
    rows = db_session.connection().execute(_earnings_page(bool(cursor)), params).all()
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


@cache
def _earnings_page(after_cursor: bool) -> Select[Any]:
    """The statement behind earnings(), built once per shape: building it per request took
    longer than PostgreSQL took to run it. Parameters: account, limit (one more than the
    page, to see whether another follows), and with a cursor before_at and before_id."""
    entries, transactions = LedgerEntry.__table__, LedgerTransaction.__table__
    account = bindparam("account", type_=entries.c.account.type)
    summed = entries.alias("summed")
    balance = (
        select(func.coalesce(func.sum(summed.c.amount_minor), 0))
        .where(summed.c.account == account, summed.c.currency == HOME_CURRENCY)
        .scalar_subquery()
    )
    stmt = (
        select(
            entries.c.id,
            entries.c.transaction_id,
            entries.c.amount_minor,
            entries.c.currency,
            entries.c.created_at,
            transactions.c.kind,
            transactions.c.submission_id,
            transactions.c.memo,
            balance.label("balance"),
        )
        .join_from(entries, transactions, transactions.c.id == entries.c.transaction_id)
        .where(entries.c.account == account)
    )
    if after_cursor:
        before = tuple_(
            bindparam("before_at", type_=entries.c.created_at.type),
            bindparam("before_id", type_=entries.c.id.type),
        )
        stmt = stmt.where(tuple_(entries.c.created_at, entries.c.id) < before)
    return stmt.order_by(entries.c.created_at.desc(), entries.c.id.desc()).limit(
        bindparam("limit", type_=Integer())
    )
