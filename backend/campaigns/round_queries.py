"""What the API shows of a campaign's rounds: each one's opening, funding and missions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns import round_rules
from backend.campaigns.models import Campaign, CampaignRound
from backend.kernel.scoping import get_visible
from backend.missions.models import Mission


def campaign_rounds(*, db_session: Session, user: User, campaign_id: str) -> dict[str, Any]:
    """The rounds a campaign the caller may see has opened, oldest first (RoundListOut);
    404 otherwise. A draft has none."""
    campaign = get_visible(db_session, Campaign, campaign_id, user)
    rounds = db_session.scalars(
        select(CampaignRound)
        .where(CampaignRound.campaign_id == campaign.id)
        .order_by(CampaignRound.round)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for round_no, status, n in db_session.execute(
        select(Mission.round, Mission.status, func.count())
        .where(Mission.campaign_id == campaign.id)
        .group_by(Mission.round, Mission.status)
    ):
        counts.setdefault(round_no, {})[status] = int(n)
    return {
        "items": [
            {
                "round": r.round,
                "opened_at": r.opened_at,
                "funded": {"amount_minor": r.funded_minor, "currency": r.currency},
                "missions": round_rules.missions_by_state(counts.get(r.round, {})),
            }
            for r in rounds
        ]
    }
