"""A mission's pay follows its campaign's reward whenever it is open to a worker.

A raise lifts the open and claimed missions; a mission that reopens (a closed store, a
rejection) is lifted as it opens, so no worker claims it at a reward the campaign no longer
pays. A mission's figures only ever rise: a credit paid earlier stays within them (the ledger
check relies on it), and the campaign is funded for each difference, as at publishing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import has_app_context
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from backend.campaigns import rules
from backend.campaigns.service import show_up_pay
from backend.kernel.money import format_money
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.settings import current_settings, default_settings

# The columns `lift_missions` reads of each mission.
MISSION_PAY = (Mission.id, Mission.reward_amount_minor, Mission.bonus_minor, Mission.show_up_minor)


def configured_pay() -> rules.PayRules:
    """The app's pay settings; a script or test outside the app gets the defaults."""
    return rules.pay_rules(current_settings() if has_app_context() else default_settings())


def lift_missions(
    *,
    db_session: Session,
    campaign_id: str,
    currency: str,
    missions: Sequence[Any],
    reward: int,
    now: datetime,
    memo: str,
    pay: rules.PayRules | None = None,
) -> int:
    """Bring each of `missions` (rows of MISSION_PAY, locked by the caller) paying less than
    `reward` up to it, with the show-up pay that goes with it (never lower than before), and
    fund the campaign for the difference; returns what that cost."""
    lifted = [m for m in missions if m.reward_amount_minor < reward]
    if not lifted:
        return 0
    pay = pay or configured_pay()
    db_session.connection().execute(
        update(Mission)
        .where(Mission.id == bindparam("m_id"))
        .values(reward_amount_minor=reward, show_up_minor=bindparam("m_show_up")),
        [
            {
                "m_id": m.id,
                "m_show_up": max(m.show_up_minor or 0, show_up_pay(reward + m.bonus_minor, pay)),
            }
            for m in lifted
        ],
    )
    # Each mission's shortfall: one that reopened under an older reward needs more.
    cost = sum(reward - m.reward_amount_minor for m in lifted)
    ledger.fund_campaign(
        db_session=db_session,
        campaign_id=campaign_id,
        amount_minor=cost,
        currency=currency,
        now=now,
        memo=memo,
    )
    return cost


def lift_reopened(
    *,
    db_session: Session,
    mission_id: str,
    campaign_id: str,
    currency: str,
    reward: int,
    now: datetime,
) -> None:
    """A mission open again takes its campaign's reward of today, funded."""
    row = db_session.execute(select(*MISSION_PAY).where(Mission.id == mission_id)).one()
    lift_missions(
        db_session=db_session,
        campaign_id=campaign_id,
        currency=currency,
        missions=[row],
        reward=reward,
        now=now,
        memo=f"mission {mission_id} reopened at {format_money(reward, currency)}",
    )
