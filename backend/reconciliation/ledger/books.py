"""The ledger against itself: transactions balance, entries are well formed, and no account
but the bank and the platform is overdrawn."""

from __future__ import annotations

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session

from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction


def transactions_balance(db_session: Session) -> list[str]:
    """Every transaction has two entries or more, summing to zero in each currency."""
    entries = func.count(LedgerEntry.id)
    few = db_session.execute(
        select(LedgerTransaction.id, LedgerTransaction.kind, entries)
        .outerjoin(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .group_by(LedgerTransaction.id, LedgerTransaction.kind)
        .having(entries < 2)
    ).all()
    total = func.sum(LedgerEntry.amount_minor)
    off = db_session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, total)
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(total != 0)
    ).all()
    return [f"transaction {t} ({kind}) has {n} entries, fewer than two" for t, kind, n in few] + [
        f"transaction {t} does not balance: its {cur} entries sum to {s}" for t, cur, s in off
    ]


def entries_well_formed(db_session: Session) -> list[str]:
    """No entry moves nothing, and none hangs off a missing transaction."""
    zero = db_session.scalars(select(LedgerEntry.id).where(LedgerEntry.amount_minor == 0)).all()
    orphans = db_session.scalars(
        select(LedgerEntry.id)
        .outerjoin(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerTransaction.id.is_(None))
    ).all()
    return [f"entry {e} has amount 0" for e in zero] + [
        f"entry {e} belongs to no transaction" for e in orphans
    ]


def no_overdrawn_accounts(db_session: Session) -> list[str]:
    """Only the bank and the platform may be below zero."""
    total = func.sum(LedgerEntry.amount_minor)
    negative = db_session.execute(
        select(LedgerEntry.account, LedgerEntry.currency, total)
        .group_by(LedgerEntry.account, LedgerEntry.currency)
        .having(total < 0)
    ).all()
    totals = {(account, currency): int(value) for account, currency, value in negative}
    return [
        f"account {account} is overdrawn: {totals[(account, currency)]} {currency}"
        for account, currency in rules.overdrawn(totals)
    ]
