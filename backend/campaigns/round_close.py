"""Closing a recurring campaign's unclaimed missions and giving back what they held, without
spending a reserve twice.

A mission a rejection handed back (open again) is left alone while that rejection may still
be appealed or is under appeal: a granted appeal pays its worker from the campaign's account,
out of that very reserve. A later sweep closes it once the appeal is settled, and gives back
only what the campaign did not pay out for it.

The submissions, their decisions and the appeals live in layers above campaigns
(.importlinter), so their tables are read here by name, and only the columns these rules need.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, column, exists, func, or_, select, table
from sqlalchemy.orm import Session

from backend.campaigns.models import Campaign
from backend.db import UTCDateTime
from backend.kernel.money import Money
from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions import states as missions
from backend.missions.models import Mission

_submissions = table(
    "submissions",
    column("id", String),
    column("mission_id", String),
    column("status", String),
    column("decided_at", UTCDateTime),
)
_decisions = table(
    "submission_decisions", column("submission_id", String), column("status", String)
)
_appeals = table("appeals", column("submission_id", String))


def awaiting_appeal(now: datetime, window_days: float) -> Any:
    """The mission has a submission under appeal, or rejected, never appealed and still
    within the appeal window (review.appeals: FAIRFIELD_APPEAL_WINDOW_DAYS)."""
    s = _submissions
    appealable = and_(
        s.c.status == "rejected",
        s.c.decided_at >= now - timedelta(days=window_days),
        ~exists().where(_appeals.c.submission_id == s.c.id),
    )
    return exists().where(s.c.mission_id == Mission.id, or_(s.c.status == "appealed", appealable))


def unclaimed(
    db_session: Session,
    campaign_id: str,
    *,
    before_round: int | None,
    now: datetime,
    window_days: float,
) -> Sequence[Any]:
    """The campaign's open missions (of rounds before `before_round`; None: of every round)
    no appeal may still pay for, row-locked (PostgreSQL): a claim in flight settles first,
    and one that comes later finds the mission closed."""
    where = [
        Mission.campaign_id == campaign_id,
        Mission.status == "open",
        ~awaiting_appeal(now, window_days),
    ]
    if before_round is not None:
        where.append(Mission.round < before_round)
    return db_session.execute(
        select(Mission.id, Mission.round, Mission.reward_amount_minor, Mission.bonus_minor)
        .where(*where)
        .order_by(Mission.id)
        .with_for_update()
    ).all()


def paid_on_appeal(db_session: Session, campaign_id: str, mission_ids: list[str]) -> int:
    """What the campaign's account paid for these missions' submissions approved after a
    rejection (a granted appeal): that part of their reserve is spent, not to give back."""
    if not mission_ids:
        return 0
    s = _submissions
    granted = select(s.c.id).where(
        s.c.mission_id.in_(mission_ids),
        s.c.status == "approved",
        exists().where(_decisions.c.submission_id == s.c.id, _decisions.c.status == "rejected"),
    )
    paid = db_session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.submission_id.in_(granted),
            LedgerTransaction.kind == ledger.CREDIT,
            LedgerEntry.account == ledger_rules.campaign_account(campaign_id),
        )
    )
    return -int(paid or 0)  # the campaign's side of a credit is negative


def close(
    db_session: Session,
    campaign: Campaign,
    stale: Sequence[Any],
    *,
    to: str,
    now: datetime,
) -> int:
    """Move these open missions (locked by the caller) to `to` and give back to the brand's
    balance what they still hold; the amount given back."""
    if not stale:
        return 0
    ids = [m.id for m in stale]
    missions.move_all(db_session, where=[Mission.id.in_(ids)], froms=("open",), to=to)
    held = sum(m.reward_amount_minor + m.bonus_minor for m in stale)
    amount = max(0, held - paid_on_appeal(db_session, campaign.id, ids))
    if amount:
        ledger.release_round(
            db_session=db_session,
            brand_id=campaign.brand_id,
            campaign_id=campaign.id,
            amount=Money(amount, campaign.reward_currency),
            round_no=max(m.round for m in stale),
            now=now,
        )
    return amount
