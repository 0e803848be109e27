"""The ledger against itself: transactions balance, entries are well formed, and no account
but the bank and the platform is overdrawn."""

from __future__ import annotations

from sqlalchemy import (
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction


def transactions_balance(db_session: Session) -> list[str]:
    """Every transaction has two entries or more, summing to zero in each currency.

    One pass over the entries in transaction order (a covering index, no sort) keeps only
    the transactions that are short, do not sum to zero or mix currencies; those few are
    then summed per currency. A transaction with no entry at all is one lookup each."""
    entries, total = func.count(), func.sum(LedgerEntry.amount_minor)
    lowest, highest = func.min(LedgerEntry.currency), func.max(LedgerEntry.currency)
    odd = (
        select(
            LedgerEntry.transaction_id,
            entries.label("entries"),
            total.label("total"),
            lowest.label("currency"),
            (lowest != highest).label("mixed"),
        )
        .group_by(LedgerEntry.transaction_id)
        .having(or_(entries < 2, total != 0, lowest != highest))
        .subquery()
    )
    suspects = db_session.execute(
        select(odd, LedgerTransaction.kind).outerjoin(
            LedgerTransaction, LedgerTransaction.id == odd.c.transaction_id
        )
    ).all()
    # The transactions' ids in order (their primary key's index alone), each looked up
    # among the entries in that order too; only the few without any are then read whole.
    # Scanning the table instead looked the entries up in random order: 3.5 times as long
    # on SQLite, the same on PostgreSQL.
    bare = aliased(LedgerTransaction)
    empty = db_session.execute(
        select(LedgerTransaction.id, LedgerTransaction.kind).where(
            LedgerTransaction.id.in_(
                select(bare.id)
                .where(
                    ~select(LedgerEntry.transaction_id)
                    .where(LedgerEntry.transaction_id == bare.id)
                    .exists()
                )
                .order_by(bare.id)
            )
        )
    ).all()
    few = [(t, kind, 0) for t, kind in empty] + [
        (r.transaction_id, r.kind, r.entries) for r in suspects if r.kind and r.entries < 2
    ]
    off = [(r.transaction_id, r.currency, r.total) for r in suspects if not r.mixed and r.total]
    mixed = [r.transaction_id for r in suspects if r.mixed]
    off += db_session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, total)
        .where(LedgerEntry.transaction_id.in_(mixed))
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(total != 0)
    ).all()
    return [
        f"transaction {t} ({kind}) has {n} entries, fewer than two" for t, kind, n in sorted(few)
    ] + [
        f"transaction {t} does not balance: its {cur} entries sum to {s}"
        for t, cur, s in sorted(off)
    ]


def entries_well_formed(db_session: Session) -> list[str]:
    """No entry moves nothing, and none hangs off a missing transaction."""
    zero = db_session.scalars(select(LedgerEntry.id).where(LedgerEntry.amount_minor == 0)).all()
    if db_session.get_bind().dialect.name == "sqlite":
        # Each transaction the entries name, once and in order (the covering index), looked
        # up in that order among the transactions; only a missing one's entries are read.
        # Each entry of the table looked up in random order took twice as long. PostgreSQL
        # joins the whole table by hash faster than it would group it first.
        named = select(LedgerEntry.transaction_id).group_by(LedgerEntry.transaction_id).subquery()
        missing = select(named.c.transaction_id).where(
            ~select(LedgerTransaction.id)
            .where(LedgerTransaction.id == named.c.transaction_id)
            .exists()
        )
        orphaned = select(LedgerEntry.id).where(LedgerEntry.transaction_id.in_(missing))
    else:
        orphaned = (
            select(LedgerEntry.id)
            .outerjoin(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerTransaction.id.is_(None))
        )
    orphans = db_session.scalars(orphaned).all()
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
