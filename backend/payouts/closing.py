"""A worker closing their account: no new work once a final payout is asked for, and the bank
details a final request kept go once its batch is paid."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Exists, select, update
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.erasures import log as erasure_log
from backend.errors import Conflict
from backend.i18n import gettext
from backend.payouts import rules as payout_rules
from backend.payouts.models import PayoutRequest


def asked_final(worker_id: Any) -> Exists:
    """Whether the worker (an id, or a bound parameter) asked for a final payout, as a SQL
    expression: for a statement that reads it beside other things."""
    return (
        select(PayoutRequest.id)
        .where(PayoutRequest.worker_id == worker_id, PayoutRequest.final.is_(True))
        .exists()
    )


def is_closing(*, db_session: Session, worker_id: str) -> bool:
    """Has the worker asked for a final payout (they are closing their account, for good)?"""
    return bool(db_session.scalar(select(asked_final(worker_id))))


def refuse_if_closing(*, db_session: Session, worker_id: str) -> None:
    """Conflict `account_closing` once the worker has asked for a final payout: they are
    leaving, so they take no new work and no plain payout (only a final one)."""
    if is_closing(db_session=db_session, worker_id=worker_id):
        raise closing_refusal()


def closing_refusal() -> Conflict:
    """The refusal of new work or a plain payout to a worker who asked for a final payout."""
    return Conflict(
        gettext(
            "You asked for a final payout to close your account: you can no longer claim "
            "missions or ask for a plain payout. Erase your account with DELETE /me; "
            "anything credited since is paid by another request with `final: true`."
        ),
        code="account_closing",
    )


def lock_closing_workers(*, db_session: Session, batch_id: str) -> None:
    """Row-lock the users whose final requests the batch pays, in id order (PostgreSQL; on
    SQLite writers already run one at a time)."""
    connection = db_session.connection()
    if connection.dialect.name == "sqlite":
        return
    closing = select(PayoutRequest.worker_id).where(
        PayoutRequest.batch_id == batch_id, PayoutRequest.final.is_(True)
    )
    connection.execute(
        select(User.id).where(User.id.in_(closing)).order_by(User.id).with_for_update()
    )


def erase_paid_bank_details(*, db_session: Session, batch_id: str, now: datetime) -> None:
    """The bank details an erased worker's final request kept for this transfer go now that
    it is paid, overwritten as the erasure overwrites the rest (and logged, for a restore)."""
    erased = select(User.id).where(User.erased_at.is_not(None))
    paid = list(
        db_session.scalars(
            select(PayoutRequest.id).where(
                PayoutRequest.batch_id == batch_id,
                PayoutRequest.worker_id.in_(erased),
                PayoutRequest.iban != payout_rules.ERASED_BANK_FIELD,
            )
        )
    )
    if paid:
        erase_bank_details(db_session=db_session, payout_request_ids=paid)
        erasure_log.record(db_session=db_session, kind="bank_details", target_ids=paid, now=now)


def erase_bank_details(*, db_session: Session, payout_request_ids: list[str]) -> None:
    """Overwrite these payout requests' IBAN, BIC and holder name."""
    db_session.connection().execute(
        update(PayoutRequest)
        .where(PayoutRequest.id.in_(payout_request_ids))
        .values(
            iban=payout_rules.ERASED_BANK_FIELD,
            holder_name=payout_rules.ERASED_BANK_FIELD,
            bic=None,
        )
    )
