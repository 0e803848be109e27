"""Post balanced transactions to the ledger and read balances back from their entries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import has_app_context
from sqlalchemy import Select, and_, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from backend.kernel.ids import new_id
from backend.kernel.money import Money
from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Mission
from backend.pagination import page, paginate
from backend.settings import Settings, current_settings, default_settings
from backend.submissions.models import Decision, Submission

STORE_CLOSED = "store_closed"  # the outcome that is paid show-up pay, not the reward
CREDIT = "submission_credit"
FUNDING = "campaign_funding"


def post(
    *,
    db_session: Session,
    kind: str,
    entries: Sequence[rules.Entry],
    now: datetime,
    submission_id: str | None = None,
    memo: str | None = None,
) -> str:
    """Append one balanced transaction and its entries; returns the transaction's id."""
    rules.check_balanced(entries)
    transaction_id = new_id()
    connection = db_session.connection()
    connection.execute(
        insert(LedgerTransaction),
        {
            "id": transaction_id,
            "kind": kind,
            "submission_id": submission_id,
            "memo": memo,
            "created_at": now,
        },
    )
    connection.execute(
        insert(LedgerEntry),
        [
            {
                "id": new_id(),
                "transaction_id": transaction_id,
                "account": e.account,
                "amount_minor": e.amount_minor,
                "currency": e.currency,
                "created_at": now,
            }
            for e in entries
        ],
    )
    return transaction_id


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


@dataclass(frozen=True)
class ShowUpSetting:
    """How show-up pay is figured for a mission published without it (FAIRFIELD_SHOW_UP_*)."""

    share_percent: Decimal
    minimum: Money


def show_up_setting(settings: Settings) -> ShowUpSetting:
    """FAIRFIELD_SHOW_UP_SHARE_PERCENT and FAIRFIELD_SHOW_UP_MIN from the app's settings."""
    return ShowUpSetting(
        share_percent=Decimal(settings.show_up_share_percent), minimum=settings.show_up_min
    )


def _configured_show_up() -> ShowUpSetting:
    # Requests and tasks run inside the app; a script or test outside it gets the defaults.
    return show_up_setting(current_settings() if has_app_context() else default_settings())


def _show_up_minor(db_session: Session, row: Any, setting: ShowUpSetting | None) -> int:
    """The mission's show-up pay; figured and kept on the mission if it was published without
    it, so that the ledger check reads the figure paid, whatever the settings become."""
    if row.show_up_minor is not None:
        return int(row.show_up_minor)
    setting = setting or _configured_show_up()
    # A minimum in another currency cannot be compared; campaigns pay in one currency.
    floor = setting.minimum.amount_minor if setting.minimum.currency == row.currency else 0
    figured = rules.show_up_pay(row.pay_minor, setting.share_percent, floor)
    db_session.execute(
        update(Mission)
        .where(Mission.id == row.mission_id, Mission.show_up_minor.is_(None))
        .values(show_up_minor=figured)
        .execution_options(synchronize_session=False)
    )
    kept = db_session.scalar(select(Mission.show_up_minor).where(Mission.id == row.mission_id))
    return int(kept if kept is not None else figured)


def credit_approved_submission(
    *,
    db_session: Session,
    submission_id: str,
    now: datetime,
    show_up: ShowUpSetting | None = None,
) -> bool:
    """Pay an approved submission from its campaign to its worker, once: the mission's reward
    and bonus, or its show-up pay when the worker found the store closed; from the platform
    when it is a repeat approval of the mission. False if it was already paid (the unique
    index on submission credits is the backstop)."""
    paid = db_session.scalar(
        select(LedgerTransaction.id).where(
            LedgerTransaction.submission_id == submission_id,
            LedgerTransaction.kind == CREDIT,
        )
    )
    if paid is not None:
        return False
    # The mission's row, locked: its approvals are paid one at a time, so that exactly one
    # of two racing approvals finds the other paid (SQLite runs writers one at a time).
    row = db_session.execute(
        select(
            Submission.worker_id,
            Submission.outcome,
            Mission.id.label("mission_id"),
            Mission.campaign_id,
            (Mission.reward_amount_minor + Mission.bonus_minor).label("pay_minor"),
            Mission.reward_currency.label("currency"),
            Mission.show_up_minor,
        )
        .join(Mission, Mission.id == Submission.mission_id)
        .where(Submission.id == submission_id)
        .with_for_update(of=Mission)
    ).one()
    amount = row.pay_minor
    if row.outcome == STORE_CLOSED:
        amount = _show_up_minor(db_session, row, show_up)
    entries = rules.approval(
        campaign_id=row.campaign_id,
        worker_id=row.worker_id,
        reward_minor=amount,
        currency=row.currency,
        repeat=is_repeat_approval(
            db_session=db_session, submission_id=submission_id, mission_id=row.mission_id
        ),
    )
    post(
        db_session=db_session,
        kind=CREDIT,
        entries=entries,
        now=now,
        submission_id=submission_id,
    )
    return True


def is_repeat_approval(*, db_session: Session, submission_id: str, mission_id: str) -> bool:
    """Whether approving this submission pays for its mission a second time: another of the
    mission's submissions was credited, and one of the two was rejected once (the mission was
    redone after a rejection, then the appeal granted). A store found closed and re-opened by
    its brand is paid for again by the brand (campaigns.closures), so that is no repeat."""
    other = aliased(Submission)
    credited = (
        select(other.id)
        .join(
            LedgerTransaction,
            and_(
                LedgerTransaction.submission_id == other.id,
                LedgerTransaction.kind == CREDIT,
            ),
        )
        .where(other.mission_id == mission_id, other.id != submission_id)
    )
    paid = list(db_session.scalars(credited))
    if not paid:
        return False
    rejected = select(Decision.id).where(
        Decision.submission_id.in_([submission_id, *paid]), Decision.status == "rejected"
    )
    return db_session.scalar(rejected.limit(1)) is not None


# The one currency campaigns pay in (campaigns.rules.CURRENCIES): balances are shown in it.
HOME_CURRENCY = "EUR"


def worker_balance(*, db_session: Session, worker_id: str) -> dict[str, int | str]:
    """What Fairfield owes a worker now, as money: the sum of their account's entries."""
    account = rules.worker_account(worker_id)
    amount = balance(db_session=db_session, account=account, currency=HOME_CURRENCY)
    return {"amount_minor": amount, "currency": HOME_CURRENCY}


def list_worker_entries(
    *, db_session: Session, worker_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A worker's ledger lines, newest first, a page at a time, each with its transaction."""
    stmt: Select[Any] = select(  # type: ignore[assignment]  # paginate takes any Select
        LedgerEntry.id,
        LedgerEntry.transaction_id,
        LedgerEntry.amount_minor,
        LedgerEntry.currency,
        LedgerEntry.created_at,
        LedgerTransaction.kind,
        LedgerTransaction.submission_id,
        LedgerTransaction.memo,
    ).join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
    stmt = stmt.where(LedgerEntry.account == rules.worker_account(worker_id))
    envelope = page(
        db_session.execute(paginate(stmt, LedgerEntry, limit=limit, cursor=cursor)).all(),
        limit=limit,
    )
    envelope["items"] = [_line(row) for row in envelope["items"]]
    return envelope


def _line(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "transaction_id": row.transaction_id,
        "kind": row.kind,
        "amount": {"amount_minor": row.amount_minor, "currency": row.currency},
        "created_at": row.created_at,
        "submission_id": row.submission_id,
        "memo": row.memo,
    }


def worker_earnings(
    *, db_session: Session, worker_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A worker's balance and a page of their ledger lines."""
    envelope = list_worker_entries(
        db_session=db_session, worker_id=worker_id, limit=limit, cursor=cursor
    )
    return {"balance": worker_balance(db_session=db_session, worker_id=worker_id), **envelope}
