"""Payouts: a worker's balance into transit, batches of transfers, their SEPA file, settlement.

Money moves only through the ledger: a request posts worker -> in transit at once, and
marking a batch paid posts in transit -> bank once for the batch total. The rows here say
which transfer carries which money; balances are always read back from ledger entries.
What the API shows of them is in queries.py and presenters.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from backend.accounts.service import lock_user, refuse_unverified_email
from backend.db import UTCDateTime
from backend.errors import Conflict, Gone, Invalid, not_found
from backend.i18n import gettext, money
from backend.kernel.durations import seconds_between
from backend.kernel.ids import new_id
from backend.kernel.money import Money
from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.payouts import closing, notices, rules
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.payouts.presenters import money_out

# More transfers than this in one file is more than some banks accept; the rest wait for
# the next batch (and the id list stays under SQLite's bound-parameter limit).
BATCH_MAX = 5000

_OLDEST_FIRST = (PayoutRequest.requested_at, PayoutRequest.id)


def request_payout(
    *,
    db_session: Session,
    worker_id: str,
    iban: str,
    holder_name: str,
    bic: str | None,
    minimum: Money,
    now: datetime,
    final: bool = False,
) -> PayoutRequest:
    """Move the worker's whole balance into transit and record where it is to go.

    A `final` request (the worker is closing their account) waives the minimum; once one is
    made, only final requests are taken, so whatever is credited later can still leave.
    """
    # Two requests at once must not both read the same balance: the second waits here.
    lock_user(db_session=db_session, user_id=worker_id)
    refuse_unverified_email(db_session=db_session, user_id=worker_id)
    balance = _payable_balance(db_session, worker_id=worker_id, minimum=minimum, final=final)
    currency = minimum.currency
    transaction_id = ledger.post(
        db_session=db_session,
        kind="payout_request",
        entries=ledger_rules.payout_request(
            worker_id=worker_id, amount_minor=balance, currency=currency
        ),
        now=now,
    )
    payout = PayoutRequest(
        id=new_id(),
        worker_id=worker_id,
        amount_minor=balance,
        currency=currency,
        iban=iban,
        bic=bic,
        holder_name=holder_name,
        status="pending",
        transaction_id=transaction_id,
        requested_at=now,
        final=final,
    )
    db_session.add(payout)
    db_session.flush()
    return payout


def _payable_balance(db_session: Session, *, worker_id: str, minimum: Money, final: bool) -> int:
    """The worker's whole balance, once it is sure it may leave now."""
    if not final:
        closing.refuse_if_closing(db_session=db_session, worker_id=worker_id)
    balance = ledger.balance(
        db_session=db_session,
        account=ledger_rules.worker_account(worker_id),
        currency=minimum.currency,
    )
    _refuse_amount(balance, minimum, final=final)
    return balance


def _refuse_amount(balance: int, minimum: Money, *, final: bool) -> None:
    """Refuse a request for nothing, or (unless final) for less than the minimum."""
    currency = minimum.currency
    if final and balance <= 0:
        raise Invalid(
            gettext(
                "Your balance is %(balance)s: there is nothing to pay.",
                balance=money(balance, currency),
            ),
            code="balance_empty",
            extra={"balance": money_out(balance, currency)},
        )
    needed = rules.shortfall(balance_minor=balance, minimum_minor=minimum.amount_minor)
    if needed and not final:
        raise _below_minimum(balance, minimum, needed)


def _below_minimum(balance: int, minimum: Money, needed: int) -> Invalid:
    currency = minimum.currency
    return Invalid(
        gettext(
            "Your balance is %(balance)s; a payout needs at least %(minimum)s, so %(needed)s more.",
            balance=money(balance, currency),
            minimum=money(max(minimum.amount_minor, 1), currency),
            needed=money(needed, currency),
        ),
        code="balance_below_minimum",
        extra={
            "balance": money_out(balance, currency),
            "minimum": money_out(minimum.amount_minor, currency),
            "needed": money_out(needed, currency),
        },
    )


def create_batch(*, db_session: Session, admin_id: str, now: datetime) -> PayoutBatch:
    """Gather the pending requests of the oldest pending currency into one open batch."""
    currency, pending = _lock_pending(db_session)
    total, count = rules.batch_total(Money(amount, currency) for _, amount in pending)
    batch_id = new_id()
    batch = PayoutBatch(
        id=batch_id,
        status="open",
        currency=currency,
        total_minor=total.amount_minor,
        count=count,
        message_id=rules.message_id(batch_id),
        created_by=admin_id,
        created_at=now,
    )
    db_session.add(batch)
    db_session.flush()
    taken = db_session.connection().execute(
        update(PayoutRequest)
        .where(PayoutRequest.id.in_([request_id for request_id, _ in pending]))
        .where(PayoutRequest.status == "pending")
        .values(status="batched", batch_id=batch_id)
    )
    if taken.rowcount != count:  # the locks make this impossible; never pay a request twice
        raise Conflict("Another batch took some of these requests; try again.", code="conflict")
    return batch


def _lock_pending(db_session: Session) -> tuple[str, list[tuple[str, int]]]:
    """The oldest pending currency and its pending requests, oldest first, row-locked: a
    concurrent call waits, then finds them batched and leaves them out."""
    currency = db_session.scalar(
        select(PayoutRequest.currency)
        .where(PayoutRequest.status == "pending")
        .order_by(*_OLDEST_FIRST)
        .limit(1)
    )
    if currency is not None:
        rows = db_session.execute(
            select(PayoutRequest.id, PayoutRequest.amount_minor)
            .where(PayoutRequest.status == "pending", PayoutRequest.currency == currency)
            .order_by(*_OLDEST_FIRST)
            .limit(BATCH_MAX)
            .with_for_update()
        )
        pending = [(request_id, amount) for request_id, amount in rows]
        if pending:
            return currency, pending
    raise Conflict("No payout request is waiting to be paid.", code="nothing_to_pay")


def get_batch(*, db_session: Session, batch_id: str) -> PayoutBatch:
    """One batch, or the one 404."""
    batch = db_session.get(PayoutBatch, batch_id)
    if batch is None:
        raise not_found("payout batch")
    return batch


def batch_requests(*, db_session: Session, batch_id: str) -> Sequence[PayoutRequest]:
    """A batch's requests in file order: oldest first."""
    stmt = select(PayoutRequest).where(PayoutRequest.batch_id == batch_id)
    return db_session.scalars(stmt.order_by(*_OLDEST_FIRST)).all()


def sepa_file(*, db_session: Session, batch_id: str, debtor: rules.Debtor) -> bytes:
    """The batch's pain.001 credit transfer file; the same bytes on every export."""
    batch = get_batch(db_session=db_session, batch_id=batch_id)
    requests = batch_requests(db_session=db_session, batch_id=batch_id)
    if any(r.iban == rules.ERASED_BANK_FIELD for r in requests):
        # Erasure waits until a worker is paid, or keeps a final request's bank details
        # until its batch is paid: only a paid batch gets here. Its money moved, and the
        # ledger keeps the amounts under the worker's pseudonym.
        raise Gone(
            "A worker paid in this batch has since erased their account, bank details "
            "included, so its transfer file cannot be made again; the ledger keeps the amounts.",
            code="payee_erased",
        )
    transfers = [
        rules.Transfer(
            request_id=r.id,
            holder_name=r.holder_name,
            iban=r.iban,
            bic=r.bic,
            amount_minor=r.amount_minor,
        )
        for r in requests
    ]
    return rules.sepa_document(
        debtor=debtor,
        batch_id=batch.id,
        created_at=batch.created_at,
        currency=batch.currency,
        transfers=transfers,
    )


def mark_batch_paid(
    *, db_session: Session, batch_id: str, admin_id: str, now: datetime
) -> PayoutBatch:
    """The bank sent the batch: settle its total in the ledger once, mark it paid, and queue
    each worker's notice that their money left."""
    batch = get_batch(db_session=db_session, batch_id=batch_id)
    connection = db_session.connection()
    # The conditional UPDATE decides between concurrent calls: only one sees the batch open.
    won = connection.execute(
        update(PayoutBatch)
        .where(PayoutBatch.id == batch_id, PayoutBatch.status == "open")
        .values(status="paid", paid_at=now, paid_by=admin_id)
    )
    if won.rowcount != 1:
        raise Conflict("This batch is already paid.", code="already_paid")
    # Before the requests turn paid: an erasure of one of these workers then either commits
    # first (read as erased below) or waits for us and finds the request paid (and erases
    # its bank details itself). Without it, each could miss the other's uncommitted write.
    closing.lock_closing_workers(db_session=db_session, batch_id=batch_id)
    settlement_id = ledger.post(
        db_session=db_session,
        kind="payout_settled",
        entries=ledger_rules.payout_settled(
            amount_minor=batch.total_minor, currency=batch.currency
        ),
        now=now,
        memo=f"payout batch {batch_id}",
    )
    connection.execute(
        update(PayoutBatch).where(PayoutBatch.id == batch_id).values(settlement_id=settlement_id)
    )
    connection.execute(
        update(PayoutRequest)
        .where(PayoutRequest.batch_id == batch_id, PayoutRequest.status == "batched")
        .values(
            status="paid",
            paid_at=now,
            paid_after_seconds=seconds_between(
                PayoutRequest.requested_at, literal(now, UTCDateTime())
            ),
        )
    )
    notices.queue_payout_notices(db_session=db_session, batch=batch)  # erased workers: none
    closing.erase_paid_bank_details(db_session=db_session, batch_id=batch_id, now=now)
    db_session.refresh(batch)
    return batch
