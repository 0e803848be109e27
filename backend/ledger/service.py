"""Post balanced transactions to the ledger and read balances back from their entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Insert, Table, bindparam, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import UpdateBase

from backend.accounts.models import Brand
from backend.kernel.ids import new_id
from backend.kernel.money import Money
from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction

STORE_CLOSED = "store_closed"  # the outcome that is paid show-up pay, not the reward
CREDIT = "submission_credit"
FUNDING = "campaign_funding"
RELEASE = "campaign_release"
TOP_UP = "brand_top_up"


def post(
    *,
    db_session: Session,
    kind: str,
    entries: Sequence[rules.Entry],
    now: datetime,
    submission_id: str | None = None,
    memo: str | None = None,
    beside: tuple[UpdateBase, dict[str, Any]] | None = None,
) -> str:
    """Append one balanced transaction and its entries; returns the transaction's id.
    `beside`: a statement of the caller's and its parameters, to run with the posting (on
    PostgreSQL in its round trip, as a data-modifying WITH; elsewhere just after it)."""
    rules.check_balanced(entries)
    transaction_id = new_id()
    transaction: dict[str, object] = {
        "id": transaction_id,
        "kind": kind,
        "submission_id": submission_id,
        "memo": memo,
        "created_at": now,
    }
    rows: list[dict[str, object]] = [
        {
            "id": new_id(),
            "transaction_id": transaction_id,
            "account": e.account,
            "amount_minor": e.amount_minor,
            "currency": e.currency,
            "created_at": now,
        }
        for e in entries
    ]
    connection = db_session.connection()
    if connection.dialect.name == "postgresql":
        # One round trip: the transaction's row in a WITH, its entries in the statement. The
        # foreign key is checked at the end of the statement, when both are in.
        params = {f"t_{key}": value for key, value in transaction.items()}
        for i, row in enumerate(rows):
            params |= {f"e{i}_{key}": value for key, value in row.items()}
        if beside is not None:
            params |= beside[1]
        connection.execute(
            _posting_statement(len(rows), None if beside is None else beside[0]), params
        )
        return transaction_id
    connection.execute(_INSERT_TRANSACTION, transaction)
    connection.execute(_INSERT_ENTRY, rows)
    if beside is not None:
        connection.execute(*beside)
    return transaction_id


@cache
def _posting_statement(entries: int, beside: UpdateBase | None = None) -> Insert:
    """PostgreSQL's posting of a transaction with `entries` entries as one statement (built
    once per count and statement beside), its parameters t_<column> and e<i>_<column>
    (and the statement beside's own)."""
    table, entry = _TRANSACTIONS, _ENTRIES
    posted = (
        insert(table)
        .values({c.key: bindparam(f"t_{c.key}", type_=c.type) for c in table.columns})
        .cte("posted")
    )
    rows = [
        {c.key: bindparam(f"e{i}_{c.key}", type_=c.type) for c in entry.columns}
        for i in range(entries)
    ]
    posting = insert(entry).values(rows).add_cte(posted)
    if beside is not None:
        posting = posting.add_cte(beside.cte("beside"))
    return posting


_INSERT_TRANSACTION, _INSERT_ENTRY = insert(LedgerTransaction), insert(LedgerEntry)
_TRANSACTIONS: Table = LedgerTransaction.__table__  # type: ignore[assignment]
_ENTRIES: Table = LedgerEntry.__table__  # type: ignore[assignment]


def balance(*, db_session: Session, account: str, currency: str) -> int:
    """An account's balance: the sum of its entries, never a stored figure."""
    total = db_session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.account == account, LedgerEntry.currency == currency
        )
    )
    return int(total or 0)


def fund_campaign(
    *,
    db_session: Session,
    campaign_id: str,
    amount_minor: int,
    currency: str,
    now: datetime,
    memo: str | None = None,
) -> str:
    """The brand's money for a campaign comes in (the bank is mocked: publishing is paying);
    `memo` says what for, when it is not the publishing itself."""
    entries = rules.funding(campaign_id=campaign_id, amount_minor=amount_minor, currency=currency)
    return post(db_session=db_session, kind=FUNDING, entries=entries, now=now, memo=memo)


def lock_brand(*, db_session: Session, brand_id: str) -> None:
    """Hold the brand's row until commit (PostgreSQL), so that whoever reads its balance to
    spend it (a round's funding) or adds to it (a top-up) goes one at a time: two campaigns'
    rounds cannot both spend one balance. SQLite runs writers one at a time already."""
    db_session.execute(select(Brand.id).where(Brand.id == brand_id).with_for_update())


def top_up_brand(*, db_session: Session, brand_id: str, amount: Money, now: datetime) -> str:
    """The brand pays into its balance (the bank is mocked, as at publishing)."""
    lock_brand(db_session=db_session, brand_id=brand_id)
    entries = rules.brand_top_up(
        brand_id=brand_id, amount_minor=amount.amount_minor, currency=amount.currency
    )
    return post(db_session=db_session, kind=TOP_UP, entries=entries, now=now)


def fund_round(
    *,
    db_session: Session,
    brand_id: str,
    campaign_id: str,
    amount: Money,
    round_no: int,
    now: datetime,
) -> str:
    """A recurring campaign's round `round_no` is funded from the brand's balance; the
    caller checked the balance holds it (the brand's account may never go below zero)."""
    entries = rules.round_funding(
        brand_id=brand_id,
        campaign_id=campaign_id,
        amount_minor=amount.amount_minor,
        currency=amount.currency,
    )
    return post(
        db_session=db_session, kind=FUNDING, entries=entries, now=now, memo=f"round {round_no}"
    )


def release_round(
    *,
    db_session: Session,
    brand_id: str,
    campaign_id: str,
    amount: Money,
    round_no: int,
    now: datetime,
) -> str:
    """What round `round_no`'s closed missions held goes back to the brand's balance."""
    entries = rules.round_release(
        brand_id=brand_id,
        campaign_id=campaign_id,
        amount_minor=amount.amount_minor,
        currency=amount.currency,
    )
    return post(
        db_session=db_session,
        kind=RELEASE,
        entries=entries,
        now=now,
        memo=f"round {round_no} closed",
    )


def brand_balance(*, db_session: Session, brand_id: str) -> dict[str, int | str]:
    """The brand's balance, as money: what it paid in and no campaign holds."""
    account = rules.brand_account(brand_id)
    amount = balance(db_session=db_session, account=account, currency=HOME_CURRENCY)
    return {"amount_minor": amount, "currency": HOME_CURRENCY}


def credited(*, db_session: Session, submission_ids: Sequence[str]) -> set[str]:
    """Which of these submissions were credited already."""
    if not submission_ids:
        return set()
    return set(
        db_session.scalars(
            select(LedgerTransaction.submission_id).where(
                LedgerTransaction.submission_id.in_(submission_ids),
                LedgerTransaction.kind == CREDIT,
            )
        )
    )


def credit_exists(submission_id: str | ColumnElement[str]) -> ColumnElement[bool]:
    """Whether the submission was credited already, as SQL to read beside other columns (the
    approval reads it with its mission's row, in the same statement)."""
    return (
        select(LedgerTransaction.id)
        .where(LedgerTransaction.submission_id == submission_id, LedgerTransaction.kind == CREDIT)
        .exists()
    )


def credit_submission(
    *,
    db_session: Session,
    submission_id: str,
    worker_id: str,
    amount: Money,
    campaign_id: str,
    repeat: bool,
    now: datetime,
    beside: tuple[UpdateBase, dict[str, Any]] | None = None,
) -> str:
    """Credit a worker for a submission from its campaign's budget, or from the platform's
    for a `repeat` (rules.approval); the transaction's id. Whether and how much to pay is
    the caller's (submissions.settlement); the unique index on submission credits is the
    backstop of paying twice. `beside`: as post() takes it."""
    entries = rules.approval(
        campaign_id=campaign_id,
        worker_id=worker_id,
        reward_minor=amount.amount_minor,
        currency=amount.currency,
        repeat=repeat,
    )
    return post(
        db_session=db_session,
        kind=CREDIT,
        entries=entries,
        now=now,
        submission_id=submission_id,
        beside=beside,
    )


# The one currency campaigns pay in (campaigns.rules.CURRENCIES): balances are shown in it.
HOME_CURRENCY = "EUR"


def worker_balance(*, db_session: Session, worker_id: str) -> dict[str, int | str]:
    """What Fairfield owes a worker now, as money: the sum of their account's entries."""
    account = rules.worker_account(worker_id)
    amount = balance(db_session=db_session, account=account, currency=HOME_CURRENCY)
    return {"amount_minor": amount, "currency": HOME_CURRENCY}
