"""Payouts in tests: the endpoints, IBANs that validate, a person with headers, and
requests fired at once."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from threading import Barrier
from typing import Any

from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
IBANS = ("DE89370400440532013000", "BE68539007547034", "FR1420041010050500013M02606")
PAYOUTS = "/api/v1/me/payout-requests"
BATCHES = "/api/v1/payout-batches"


@dataclass
class Person:
    user: Any
    headers: dict[str, str]

    @property
    def id(self) -> str:
        return str(self.user.id)


def worker_account(person: Person) -> str:
    return ledger_rules.worker_account(person.id)


def payout_body(iban: str = IBANS[0], holder_name: str = "Zoë Müller", **extra: Any) -> dict:
    return {"iban": iban, "holder_name": holder_name, **extra}


def at_once(app, calls: Sequence[tuple[str, str, dict[str, Any]]]) -> list[Any]:
    """Run (method, path, kwargs) calls in threads, each with its own client, released
    together by a barrier so they really overlap."""
    barrier = Barrier(len(calls))

    def run(call: tuple[str, str, dict[str, Any]]) -> Any:
        method, path, kwargs = call
        client = app.test_client()
        barrier.wait()
        return client.open(path, method=method, **kwargs)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def credit(
    db: Any, worker_id: str, amount_minor: int, *, currency: str = "EUR", now: datetime = NOW
) -> None:
    """A funded campaign pays the worker `amount_minor`, as an approval does."""
    campaign = f"campaign-for-{worker_id}"
    with db.transaction() as session:
        ledger.fund_campaign(
            db_session=session,
            campaign_id=campaign,
            amount_minor=amount_minor,
            currency=currency,
            now=now,
        )
        ledger.post(
            db_session=session,
            kind="submission_credit",
            entries=ledger_rules.approval(
                campaign_id=campaign,
                worker_id=worker_id,
                reward_minor=amount_minor,
                currency=currency,
            ),
            now=now,
        )
