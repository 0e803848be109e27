"""Payouts: workers with a ledger balance, admins, and reading balances back from entries."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.ledger import service as ledger
from tests.support.factories import BrandFactory, UserFactory
from tests.support.payouts import Person
from tests.support.payouts import credit as pay


@pytest.fixture
def person(make, auth_headers) -> Callable[..., Person]:
    """person("worker" | "admin" | "brand"): a user and their bearer headers."""

    def new(role: str = "worker") -> Person:
        extra = {"brand": make(BrandFactory)} if role == "brand" else {}
        user = make(UserFactory, role=role, **extra)
        return Person(user, auth_headers(user))

    return new


@pytest.fixture
def credit(db) -> Callable[..., None]:
    """credit(worker_id, amount_minor): a funded campaign pays the worker, as an approval does."""

    def give(worker_id: str, amount_minor: int, currency: str = "EUR") -> None:
        pay(db, worker_id, amount_minor, currency=currency)

    return give


@pytest.fixture
def balance(db) -> Callable[..., int]:
    """balance(account, currency="EUR"): the sum of the account's ledger entries."""

    def read(account: str, currency: str = "EUR") -> int:
        with db.transaction(write=False) as session:
            return ledger.balance(db_session=session, account=account, currency=currency)

    return read
