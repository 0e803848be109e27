"""The ledger in the database: balanced posts only, append-only rows, one credit each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from backend.ledger import rules, service
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.ledger.rules import Entry, Unbalanced

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def post(db, kind, entries, **kwargs):
    with db.transaction() as session:
        return service.post(db_session=session, kind=kind, entries=entries, now=NOW, **kwargs)


def count(db, model):
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_balances_are_the_sums_of_posted_entries(db):
    post(db, "funding", rules.funding(campaign_id="c", amount_minor=10_000, currency="EUR"))
    post(
        db,
        "approval",
        rules.approval(campaign_id="c", worker_id="w", reward_minor=600, currency="EUR"),
    )
    with db.transaction(write=False) as session:
        assert service.balance(db_session=session, account="campaign:c", currency="EUR") == 9_400
        assert service.balance(db_session=session, account="worker:w", currency="EUR") == 600
        assert service.balance(db_session=session, account="worker:w", currency="USD") == 0
        assert service.balance(db_session=session, account="bank", currency="EUR") == -10_000


def test_an_unbalanced_transaction_writes_nothing(db):
    with pytest.raises(Unbalanced):
        post(db, "approval", [Entry("campaign:c", -600, "EUR"), Entry("worker:w", 500, "EUR")])
    assert count(db, LedgerTransaction) == count(db, LedgerEntry) == 0


@pytest.mark.parametrize(
    "statement",
    [
        update(LedgerEntry).values(amount_minor=1_000_000),
        delete(LedgerEntry),
        update(LedgerTransaction).values(kind="gift"),
        delete(LedgerTransaction),
    ],
    ids=["update entry", "delete entry", "update transaction", "delete transaction"],
)
def test_the_database_refuses_to_change_or_remove_ledger_rows(db, statement):
    post(db, "funding", rules.funding(campaign_id="c", amount_minor=500, currency="EUR"))
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.execute(statement)
    assert count(db, LedgerEntry) == 2
