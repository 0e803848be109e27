"""The SQL every check shares: an account built in SQL, and a table of expected
movements (one transaction, source to target) compared with the entries that were posted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from backend.ledger.models import LedgerEntry, LedgerTransaction


def account_of(prefix_of: Callable[[str], str], owner_id: Any) -> ColumnElement[str]:
    """`campaign:<id>` or `worker:<id>` built in SQL, from the same rule that posts it."""
    return literal(prefix_of(""), String) + owner_id


def movement_mismatches(db_session: Session, expected: Select[*tuple[Any, ...]]) -> list[str]:
    """Rows of `expected` (transaction_id, kind, owner, source, target, amount, currency)
    whose transaction is not exactly that one movement: two entries, source to target.

    SQLite would flatten `expected` into the grouped query and work its computed columns
    out again for the GROUP BY and each HAVING term (subqueries and all): materialized,
    each row is computed once."""
    x = expected.cte().prefix_with("MATERIALIZED", dialect="sqlite")
    entry = aliased(LedgerEntry)
    in_currency = entry.currency == x.c.currency
    debit = and_(in_currency, entry.account == x.c.source, entry.amount_minor == -x.c.amount)
    credit = and_(in_currency, entry.account == x.c.target, entry.amount_minor == x.c.amount)
    debits = func.sum(case((debit, 1), else_=0))
    credits = func.sum(case((credit, 1), else_=0))
    # Counted by a column of the covering index (never null in a joined entry), not the id:
    # each transaction's entries are then read from the index alone, on both backends.
    entries = func.count(entry.transaction_id)
    kind = func.coalesce(func.max(LedgerTransaction.kind), "")
    columns = (x.c.owner, x.c.transaction_id, x.c.kind, x.c.source, x.c.target)
    rows = db_session.execute(
        select(
            *columns, x.c.amount, x.c.currency, kind.label("found"), entries.label("entry_count")
        )
        .select_from(x)
        .outerjoin(LedgerTransaction, LedgerTransaction.id == x.c.transaction_id)
        .outerjoin(entry, entry.transaction_id == LedgerTransaction.id)
        .group_by(*columns, x.c.amount, x.c.currency)
        .having(or_(kind != x.c.kind, entries != 2, debits != 1, credits != 1))
    ).all()
    return [
        f"{r.owner}: should have a {r.kind} transaction of {r.amount} {r.currency} from "
        f"{r.source} to {r.target}; "
        + (
            f"transaction {r.transaction_id} is a {r.found} with {r.entry_count} entries "
            "that do not match"
            if r.found
            else "it has none"
        )
        for r in rows
    ]


def unclaimed(db_session: Session, kind: str, claimed_by: Any) -> list[str]:
    """Transactions of `kind` that no row points at through `claimed_by`."""
    owner = claimed_by.class_
    ids = db_session.scalars(
        select(LedgerTransaction.id)
        .outerjoin(owner, claimed_by == LedgerTransaction.id)
        .where(LedgerTransaction.kind == kind, owner.id.is_(None))
    ).all()
    return [f"{kind} transaction {t} belongs to no {owner.__tablename__} row" for t in ids]
