"""Recurring campaigns: the sweep opens each round as it falls due (round_rules), one
mission per store of the campaign, funded from the brand's balance, and closes the rounds
before it: their unclaimed missions are cancelled and what they held goes back to the brand;
claimed ones are honoured, as a cancel honours them. A round the balance cannot cover does
not open: the campaign's schedule is held with its reason, and `campaign.budget_low` fires
(once). Every step re-reads the state, so a sweep run twice opens a round once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.campaigns import round_close, round_rules, rules, schedules
from backend.campaigns.models import Campaign, CampaignSchedule
from backend.campaigns.queries import spend
from backend.campaigns.service import insert_missions, lock_campaign
from backend.kernel.money import Money
from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.settings import current_settings
from backend.webhooks import service as webhooks


def due_campaigns(*, db_session: Session, now: datetime) -> list[str]:
    """The recurring campaigns the sweep looks at: those still running at `now`, and those
    over (ended or cancelled) that still have open missions to close."""
    leftover = (
        select(Mission.id)
        .where(Mission.campaign_id == Campaign.id, Mission.status == "open")
        .exists()
    )
    return list(
        db_session.scalars(
            select(Campaign.id)
            .join(CampaignSchedule, CampaignSchedule.campaign_id == Campaign.id)
            .where(
                Campaign.published_at.is_not(None),
                or_(
                    and_(Campaign.status == "published", Campaign.ends_at > now),
                    and_(Campaign.status.in_(("published", "cancelled")), leftover),
                ),
            )
            .order_by(Campaign.id)
        )
    )


def open_due_round(
    *, db_session: Session, campaign_id: str, now: datetime, pay: rules.PayRules | None = None
) -> int | None:
    """Open the round the clock says runs at `now` if it is not open yet: the round's number,
    or None when none opened (not due, held, or the campaign no longer runs; then its last
    round's unclaimed missions close and their reserve goes back to the brand)."""
    campaign = db_session.get_one(Campaign, campaign_id)
    lock_campaign(db_session=db_session, campaign=campaign)  # a cancel or an edit waits
    schedule = campaign.schedule
    if schedule is None or campaign.published_at is None:
        return None
    if campaign.status != "published" or campaign.ends_at <= now:
        close_over(db_session=db_session, campaign=campaign, now=now)
        return None
    current = schedules.current_rounds(db_session=db_session, campaign_ids=[campaign.id]).get(
        campaign.id, 1
    )
    due = round_rules.due_round(
        published_at=campaign.published_at, every_days=schedule.every_days, now=now
    )
    window = current_settings().appeal_window_days
    stale = round_close.unclaimed(
        db_session, campaign.id, before_round=max(due, current), now=now, window_days=window
    )
    if due <= current:
        # A claim released, or an appeal settled, after its round closed left a mission
        # open in a past round.
        round_close.close(db_session, campaign, stale, to="cancelled", now=now)
        return None
    stores = _stores_of_round(db_session, campaign.id, current)
    needed = sum(campaign.reward_amount_minor + s.bonus_minor for s in stores)
    released = sum(m.reward_amount_minor + m.bonus_minor for m in stale) - (
        round_close.paid_on_appeal(db_session, campaign.id, [m.id for m in stale])
    )
    # The brand's row, locked (PostgreSQL): two sweeps funding two of its campaigns, or a
    # sweep and a top-up, read and spend its balance one after the other.
    ledger.lock_brand(db_session=db_session, brand_id=campaign.brand_id)
    balance = ledger.balance(
        db_session=db_session,
        account=ledger_rules.brand_account(campaign.brand_id),
        currency=campaign.reward_currency,
    )
    if balance + released < needed:
        _hold(db_session, campaign, schedule, due, needed, balance + released, now)
        return None
    round_close.close(db_session, campaign, stale, to="cancelled", now=now)
    _open(
        db_session, campaign, stores, due, needed, now, pay or rules.pay_rules(current_settings())
    )
    schedule.hold = None
    schedule.hold_since = None
    db_session.flush()
    return due


def close_over(*, db_session: Session, campaign: Campaign, now: datetime) -> int:
    """A recurring campaign that is over (cancelled, or past `ends_at`): its open missions
    are cancelled, as a round's close cancels them, and what they hold goes back to the
    brand, once; those an appeal may still pay for wait for a later sweep. The amount given back."""
    stale = round_close.unclaimed(
        db_session,
        campaign.id,
        before_round=None,
        now=now,
        window_days=current_settings().appeal_window_days,
    )
    return round_close.close(db_session, campaign, stale, to="cancelled", now=now)


def _stores_of_round(db_session: Session, campaign_id: str, round_no: int) -> Sequence[Any]:
    """The stores of the campaign (rows of id, latitude, longitude, bonus_minor) as its
    round `round_no` had them, stores added since publishing included."""
    return db_session.execute(
        select(
            Mission.store_id.label("id"), Mission.latitude, Mission.longitude, Mission.bonus_minor
        )
        .where(Mission.campaign_id == campaign_id, Mission.round == round_no)
        .order_by(Mission.store_id)
    ).all()


def _open(
    db_session: Session,
    campaign: Campaign,
    stores: Sequence[Any],
    round_no: int,
    needed: int,
    now: datetime,
    pay: rules.PayRules,
) -> None:
    """Round `round_no`'s missions, open at once with their show-up pay, and its funding."""
    insert_missions(
        db_session=db_session,
        campaign=campaign,
        stores=stores,
        status="open",
        now=now,
        bonuses={s.id: s.bonus_minor for s in stores},
        pay=pay,
        round_no=round_no,
    )
    if needed:
        ledger.fund_round(
            db_session=db_session,
            brand_id=campaign.brand_id,
            campaign_id=campaign.id,
            amount=Money(needed, campaign.reward_currency),
            round_no=round_no,
            now=now,
        )
    schedules.record_round(
        db_session=db_session,
        campaign_id=campaign.id,
        round_no=round_no,
        opened_at=now,
        funded_minor=needed,
        currency=campaign.reward_currency,
    )


def _hold(
    db_session: Session,
    campaign: Campaign,
    schedule: CampaignSchedule,
    round_no: int,
    needed: int,
    available: int,
    now: datetime,
) -> None:
    """The round stays shut: the schedule says why, and the brand's systems hear it once."""
    if schedule.hold != round_rules.INSUFFICIENT_BALANCE:
        schedule.hold = round_rules.INSUFFICIENT_BALANCE
        schedule.hold_since = now
    db_session.flush()
    event = "campaign.budget_low"
    if not webhooks.listening(db_session=db_session, brand_id=campaign.brand_id, event_type=event):
        return
    # Once per round held: not the key of the 10 % rule, which round 1 may have used.
    key = f"{event}:{campaign.id}:{round_rules.INSUFFICIENT_BALANCE}:{round_no}"
    if not webhooks.first_time(db_session=db_session, key=key, now=now):
        return
    money = spend(db_session=db_session, campaigns=[campaign])[campaign.id]
    currency = campaign.reward_currency
    webhooks.emit(
        db_session=db_session,
        brand_id=campaign.brand_id,
        event_type=event,
        data={
            "campaign_id": campaign.id,
            "funded": money["funded"],
            "remaining": money["remaining"],
            "reason": round_rules.INSUFFICIENT_BALANCE,
            "round": round_no,
            "needed": {"amount_minor": needed, "currency": currency},
            "available": {"amount_minor": available, "currency": currency},
        },
        now=now,
    )
