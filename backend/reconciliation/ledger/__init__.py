"""Re-derive every balance and invariant of the ledger from the database, in aggregate SQL.

The ledger check (`fairfield ledger check`) reads the ledger against the submissions, missions
and payouts that explain it, so it sits above them all; the ledger itself knows none of them.

Each check is one or two GROUP BY queries whose rows are the discrepancies themselves, so a
healthy ledger of a million entries returns almost nothing to Python. Run them inside one
snapshot (the CLI does) so that a concurrent post cannot look like a discrepancy; there, on
PostgreSQL, `prepare` starts the longest beside the rest, in that same snapshot (`aside`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Select, distinct, func, select, text
from sqlalchemy.orm import Session

from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.ledger.service import CREDIT
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.reconciliation.ledger import aside
from backend.reconciliation.ledger.aside import AsideSetup
from backend.reconciliation.ledger.books import (
    entries_well_formed,
    no_overdrawn_accounts,
    transactions_balance,
)
from backend.reconciliation.ledger.credits import (
    approved_submissions_credited,
    campaigns_pay_a_store_once,
    credits_pay_the_reward,
    platform_pays_only_repeats,
)
from backend.reconciliation.ledger.payouts import (
    PAYOUT_REQUEST,
    PAYOUT_SETTLED,
    UNPAID,
    batches_add_up,
    batches_settled,
    in_transit_is_unpaid_requests,
    payout_requests_posted,
    payouts_within_credits,
)
from backend.submissions.models import Submission

__all__ = [
    "CHECKS",
    "CREDIT",
    "PAYOUT_REQUEST",
    "PAYOUT_SETTLED",
    "UNPAID",
    "Check",
    "approved_submissions_credited",
    "batches_add_up",
    "batches_settled",
    "campaigns_pay_a_store_once",
    "check_ledger",
    "credits_pay_the_reward",
    "entries_well_formed",
    "in_transit_is_unpaid_requests",
    "no_overdrawn_accounts",
    "payout_requests_posted",
    "payouts_within_credits",
    "platform_pays_only_repeats",
    "prepare",
    "run_checks",
    "summary",
    "transactions_balance",
]

Check = Callable[[Session], list[str]]

_NO_JIT = (AsideSetup.NO_JIT,)

CHECKS: tuple[tuple[str, Check], ...] = (
    ("transactions balance", transactions_balance),
    ("entries well formed", entries_well_formed),
    ("no account overdrawn", no_overdrawn_accounts),
    ("approved submissions credited once", approved_submissions_credited),
    ("credits pay the mission reward", aside.or_here(credits_pay_the_reward)),
    ("the platform pays only repeat approvals", platform_pays_only_repeats),
    ("a campaign pays each store once", aside.or_here(campaigns_pay_a_store_once)),
    ("payout requests posted", aside.or_here(payout_requests_posted)),
    ("in transit equals unpaid requests", in_transit_is_unpaid_requests),
    ("batches add up", batches_add_up),
    ("batches settled", batches_settled),
    ("payouts within credits", payouts_within_credits),
)


def prepare(db_session: Session) -> None:
    """Set up the check's read transaction: on PostgreSQL without JIT compilation, and, in
    one snapshot (REPEATABLE READ), with the longest checks started beside it (`aside`).

    The planner's cost of a check over a million entries is far above `jit_above_cost`, and
    compiling (inlining and optimising every expression) took longer than running the query:
    1.9 of 2.0 s for the credits' check over 200,000 entries. SET LOCAL: this transaction only.
    """
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(text("SET LOCAL jit = off"))
        # At a million entries: the credits' check (2.6 s, on one core) on a connection of
        # its own, the next two longest (0.9 s) on another, the rest (1.5 s before the
        # credits' turn) here.
        aside.start(db_session, (credits_pay_the_reward,), setup=_NO_JIT)
        aside.start(db_session, (campaigns_pay_a_store_once, payout_requests_posted), setup=_NO_JIT)


def run_checks(*, db_session: Session) -> Iterator[tuple[str, list[str]]]:
    """Each invariant's name and its discrepancies, one invariant at a time."""
    prepare(db_session)
    for name, check in CHECKS:
        yield name, check(db_session)


def check_ledger(*, db_session: Session) -> list[str]:
    """Every discrepancy in the ledger and the payouts; empty when all holds."""
    return [
        problem for _name, problems in run_checks(db_session=db_session) for problem in problems
    ]


def summary(*, db_session: Session) -> dict[str, int]:
    """What a check covered: transactions, entries, accounts, approved submissions, payouts."""
    return {
        "transactions": _count(db_session, select(func.count(LedgerTransaction.id))),
        "entries": _count(db_session, select(func.count(LedgerEntry.id))),
        "accounts": _count(db_session, select(func.count(distinct(LedgerEntry.account)))),
        "approved submissions": _count(
            db_session, select(func.count(Submission.id)).where(Submission.status == "approved")
        ),
        "payout requests": _count(db_session, select(func.count(PayoutRequest.id))),
        "payout batches": _count(db_session, select(func.count(PayoutBatch.id))),
    }


def _count(db_session: Session, stmt: Select[Any]) -> int:
    return int(db_session.scalar(stmt) or 0)
