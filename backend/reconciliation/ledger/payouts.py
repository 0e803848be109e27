"""The ledger against the payouts: each request and each paid batch posted once, money in
transit equal to the unpaid requests, and no worker paid out more than was credited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Select,
    String,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from backend.ledger import rules
from backend.ledger.models import LedgerEntry
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.reconciliation.ledger.movements import account_of, movement_mismatches, unclaimed

PAYOUT_REQUEST = "payout_request"
PAYOUT_SETTLED = "payout_settled"
UNPAID = ("pending", "batched")


def payout_requests_posted(db_session: Session) -> list[str]:
    """Each payout request moved exactly its amount from the worker into transit, once."""
    expected = select(
        PayoutRequest.transaction_id,
        literal(PAYOUT_REQUEST, String).label("kind"),
        (literal("payout request ", String) + PayoutRequest.id).label("owner"),
        account_of(rules.worker_account, PayoutRequest.worker_id).label("source"),
        literal(rules.IN_TRANSIT, String).label("target"),
        PayoutRequest.amount_minor.label("amount"),
        PayoutRequest.currency,
    )
    return movement_mismatches(db_session, expected) + unclaimed(
        db_session, PAYOUT_REQUEST, PayoutRequest.transaction_id
    )


def in_transit_is_unpaid_requests(db_session: Session) -> list[str]:
    """Money in transit, per currency, is what the unpaid requests add up to."""
    in_transit = _per_currency(
        db_session,
        select(LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.account == rules.IN_TRANSIT)
        .group_by(LedgerEntry.currency),
    )
    unpaid = _per_currency(
        db_session,
        select(PayoutRequest.currency, func.sum(PayoutRequest.amount_minor))
        .where(PayoutRequest.status.in_(UNPAID))
        .group_by(PayoutRequest.currency),
    )
    return [
        f"{rules.IN_TRANSIT} holds {in_transit.get(c, 0)} {c} but unpaid requests "
        f"add up to {unpaid.get(c, 0)} {c}"
        for c in sorted(set(in_transit) | set(unpaid))
        if in_transit.get(c, 0) != unpaid.get(c, 0)
    ]


def _per_currency(db_session: Session, stmt: Select[str, Any]) -> dict[str, int]:
    return {currency: int(total) for currency, total in db_session.execute(stmt)}


def batches_add_up(db_session: Session) -> list[str]:
    """A batch's total and count are its requests', all in its currency and status."""
    total = func.coalesce(func.sum(PayoutRequest.amount_minor), 0)
    count = func.count(PayoutRequest.id)
    foreign = func.sum(case((PayoutRequest.currency != PayoutBatch.currency, 1), else_=0))
    rows = db_session.execute(
        select(PayoutBatch.id, PayoutBatch.total_minor, PayoutBatch.count, total, count, foreign)
        .outerjoin(PayoutRequest, PayoutRequest.batch_id == PayoutBatch.id)
        .group_by(PayoutBatch.id, PayoutBatch.total_minor, PayoutBatch.count)
        .having(or_(total != PayoutBatch.total_minor, count != PayoutBatch.count, foreign > 0))
    ).all()
    return [
        f"batch {b} says {want_total} in {want_count} requests; its requests add up to "
        f"{got_total} in {got_count}" + (f", {other} in another currency" if other else "")
        for b, want_total, want_count, got_total, got_count, other in rows
    ] + _request_statuses(db_session)


def _request_statuses(db_session: Session) -> list[str]:
    # Pending means not batched yet, batched means in an open batch, paid in a paid batch:
    # in-transit money is only right if the statuses are.
    should_be = case(
        (PayoutRequest.batch_id.is_(None), "pending"),
        (PayoutBatch.status == "paid", "paid"),
        else_="batched",
    )
    rows = db_session.execute(
        select(PayoutRequest.id, PayoutRequest.status, should_be)
        .outerjoin(PayoutBatch, PayoutBatch.id == PayoutRequest.batch_id)
        .where(PayoutRequest.status != should_be)
    ).all()
    return [f"payout request {r} is {status}, its batch says {want}" for r, status, want in rows]


def batches_settled(db_session: Session) -> list[str]:
    """A paid batch was settled by one transit-to-bank transaction of its total; an open
    batch by none."""
    expected = select(
        PayoutBatch.settlement_id.label("transaction_id"),
        literal(PAYOUT_SETTLED, String).label("kind"),
        (literal("paid batch ", String) + PayoutBatch.id).label("owner"),
        literal(rules.IN_TRANSIT, String).label("source"),
        literal(rules.BANK, String).label("target"),
        PayoutBatch.total_minor.label("amount"),
        PayoutBatch.currency,
    ).where(PayoutBatch.status == "paid")
    open_settled = db_session.scalars(
        select(PayoutBatch.id).where(
            PayoutBatch.status != "paid", PayoutBatch.settlement_id.is_not(None)
        )
    ).all()
    return (
        movement_mismatches(db_session, expected)
        + [f"batch {b} is open but has a settlement" for b in open_settled]
        + unclaimed(db_session, PAYOUT_SETTLED, PayoutBatch.settlement_id)
    )


def payouts_within_credits(db_session: Session) -> list[str]:
    """No worker has asked for more, in all, than was ever credited to them."""
    paid_out = (
        select(
            PayoutRequest.worker_id,
            PayoutRequest.currency,
            func.sum(PayoutRequest.amount_minor).label("total"),
        )
        .group_by(PayoutRequest.worker_id, PayoutRequest.currency)
        .subquery()
    )
    worker_prefix = rules.worker_account("")
    credited = (
        select(
            LedgerEntry.account,
            LedgerEntry.currency,
            func.sum(LedgerEntry.amount_minor).label("total"),
        )
        .where(LedgerEntry.account.startswith(worker_prefix), LedgerEntry.amount_minor > 0)
        .group_by(LedgerEntry.account, LedgerEntry.currency)
        .subquery()
    )
    earned = func.coalesce(credited.c.total, 0)
    rows = db_session.execute(
        select(paid_out.c.worker_id, paid_out.c.currency, paid_out.c.total, earned)
        .outerjoin(
            credited,
            and_(
                credited.c.account == account_of(rules.worker_account, paid_out.c.worker_id),
                credited.c.currency == paid_out.c.currency,
            ),
        )
        .where(paid_out.c.total > earned)
    ).all()
    return [
        f"worker {w} asked for {out} {cur} in payouts but was credited only {got} {cur}"
        for w, cur, out, got in rows
    ]
