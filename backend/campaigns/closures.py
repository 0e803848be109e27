"""Closed stores: a mission a worker found closed, and was paid show-up pay for, re-opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns import events
from backend.campaigns.models import Campaign
from backend.campaigns.rewards import lift_reopened
from backend.errors import Conflict
from backend.kernel.scoping import get_visible
from backend.ledger import service as ledger
from backend.missions import states as missions
from backend.missions.models import Mission

CLOSED = "store_closed"


def _not_closed(mission: Mission) -> Conflict:
    return Conflict(
        f"Mission {mission.id} is {mission.status}; only a store_closed mission can be re-opened.",
        code="not_store_closed",
        extra={"mission_status": mission.status},
    )


def _check_campaign(campaign: Campaign, now: datetime) -> None:
    if campaign.status != "published":
        raise Conflict(
            f"The campaign is {campaign.status}; only a published campaign's missions re-open.",
            code="campaign_not_published",
            extra={"campaign_status": campaign.status},
        )
    if campaign.ends_at <= now:
        raise Conflict(
            "The campaign has ended; its missions can no longer re-open.",
            code="campaign_ended",
            extra={"ends_at": campaign.ends_at.isoformat()},
        )


def reopen_mission(*, db_session: Session, user: User, mission_id: str, now: datetime) -> Mission:
    """Open a store_closed mission again for a new worker; the earlier worker's pay stays.

    The closure's show-up pay was spent from the mission's budget, so re-opening pays it in
    again (the bank is mocked, as at publishing): the reward stays covered for whoever
    claims the mission next. A mission closed before a raise reopens at the raised reward,
    funded too (campaigns.rewards).
    """
    mission = get_visible(db_session, Mission, mission_id, user)
    campaign = db_session.get_one(Campaign, mission.campaign_id)
    if db_session.get_bind().dialect.name != "sqlite":
        # A cancel takes the campaign's row: it cannot slip between this check and the update.
        db_session.refresh(campaign, with_for_update=True)
    if mission.status != CLOSED:
        raise _not_closed(mission)
    _check_campaign(campaign, now)
    reopened = missions.move(db_session, mission_id=mission.id, froms=(CLOSED,), to="open")
    db_session.refresh(mission)
    if not reopened:
        raise _not_closed(mission)  # another re-open got there first
    if mission.show_up_minor:
        ledger.fund_campaign(
            db_session=db_session,
            campaign_id=campaign.id,
            amount_minor=mission.show_up_minor,
            currency=mission.reward_currency,
            now=now,
            memo=f"mission {mission.id} re-opened",
        )
    lift_reopened(
        db_session=db_session,
        mission_id=mission.id,
        campaign_id=campaign.id,
        currency=campaign.reward_currency,
        reward=campaign.reward_amount_minor,
        now=now,
    )
    events.mission_reopened(
        db_session=db_session, mission_id=mission.id, reason="store_reopened", now=now
    )
    db_session.flush()
    db_session.refresh(mission)
    return mission
