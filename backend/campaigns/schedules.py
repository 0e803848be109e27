"""A campaign's schedule and its rounds' book: set with the draft, a round written as it
opens (round 1 at publishing), the current round read back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from backend.campaigns.models import Campaign, CampaignRound, CampaignSchedule


def set_schedule(campaign: Campaign, schedule: Mapping[str, Any] | None) -> None:
    """Give a draft its schedule ({every_days}), or none (one round)."""
    if schedule is None:
        campaign.schedule = None
    elif campaign.schedule is None:
        campaign.schedule = CampaignSchedule(every_days=schedule["every_days"])
    else:
        campaign.schedule.every_days = schedule["every_days"]


def schedule_out(campaign: Campaign) -> dict[str, int] | None:
    """The schedule as the API states it: {every_days}, or None for one round."""
    return None if campaign.schedule is None else {"every_days": campaign.schedule.every_days}


def record_round(
    *,
    db_session: Session,
    campaign_id: str,
    round_no: int,
    opened_at: datetime,
    funded_minor: int,
    currency: str,
) -> None:
    """Write that round `round_no` opened, and what its opening paid in; the primary key
    (campaign, round) refuses a round opened twice."""
    db_session.execute(
        insert(CampaignRound).values(
            campaign_id=campaign_id,
            round=round_no,
            opened_at=opened_at,
            funded_minor=funded_minor,
            currency=currency,
        )
    )


def current_rounds(*, db_session: Session, campaign_ids: Sequence[str]) -> dict[str, int]:
    """The latest round opened of each campaign (those never published are left out)."""
    if not campaign_ids:
        return {}
    rows = db_session.execute(
        select(CampaignRound.campaign_id, func.max(CampaignRound.round))
        .where(CampaignRound.campaign_id.in_(campaign_ids))
        .group_by(CampaignRound.campaign_id)
    )
    return {campaign_id: int(n) for campaign_id, n in rows}
