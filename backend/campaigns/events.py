"""What a campaign's systems are told by webhook: a mission open again, the campaign done,
its budget running low. Called in the transaction of the act; the events fire once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.campaigns import round_rules, schedules
from backend.campaigns.models import Campaign
from backend.campaigns.queries import spend
from backend.missions.models import Mission
from backend.webhooks import rules as webhook_rules
from backend.webhooks import service as webhooks

# A campaign whose missions all left these is completed.
UNFINISHED = ("draft", "open", "claimed", "submitted")


def mission_reopened(*, db_session: Session, mission_id: str, reason: str, now: datetime) -> None:
    """`mission.reopened`: the mission is open to workers again (a rejection, a store
    re-opened by its brand)."""
    mission = db_session.get_one(Mission, mission_id)
    if not webhooks.listening(
        db_session=db_session, brand_id=mission.brand_id, event_type="mission.reopened"
    ):
        return
    webhooks.emit(
        db_session=db_session,
        brand_id=mission.brand_id,
        event_type="mission.reopened",
        data={
            "mission_id": mission.id,
            "campaign_id": mission.campaign_id,
            "store_id": mission.store_id,
            "reason": reason,
            "reopened_at": now.isoformat(),
        },
        now=now,
    )


def campaign_moved(*, db_session: Session, campaign_id: str, now: datetime) -> None:
    """After money or a mission moved: `campaign.budget_low` once less than 10 % of the
    funding remains, `campaign.completed` once no mission is left to do."""
    campaign = db_session.get_one(Campaign, campaign_id)
    wanted = [
        event
        for event in ("campaign.budget_low", "campaign.completed")
        if webhooks.listening(db_session=db_session, brand_id=campaign.brand_id, event_type=event)
    ]
    if not wanted:
        return
    # The campaign's row, locked: of two approvals finishing its last two missions at once,
    # the second waits and then counts the first's (SQLite runs writers one at a time).
    db_session.execute(select(Campaign.id).where(Campaign.id == campaign_id).with_for_update())
    if "campaign.budget_low" in wanted:
        _budget_low(db_session, campaign, now)
    if "campaign.completed" in wanted:
        _completed(db_session, campaign, now)


def _budget_low(db_session: Session, campaign: Campaign, now: datetime) -> None:
    money = spend(db_session=db_session, campaigns=[campaign])[campaign.id]
    funded, remaining = money["funded"], money["remaining"]
    low = webhook_rules.budget_low(
        funded_minor=funded["amount_minor"], remaining_minor=remaining["amount_minor"]
    )
    key = f"campaign.budget_low:{campaign.id}"
    if campaign.schedule is not None:
        # Each round is funded afresh: it may run low once of its own.
        key += f":round:{_current_round(db_session, campaign)}"
    if low and webhooks.first_time(db_session=db_session, key=key, now=now):
        webhooks.emit(
            db_session=db_session,
            brand_id=campaign.brand_id,
            event_type="campaign.budget_low",
            data={"campaign_id": campaign.id, "funded": funded, "remaining": remaining},
            now=now,
        )


def _current_round(db_session: Session, campaign: Campaign) -> int:
    return schedules.current_rounds(db_session=db_session, campaign_ids=[campaign.id]).get(
        campaign.id, 1
    )


def _more_rounds_to_come(db_session: Session, campaign: Campaign) -> bool:
    """Whether a recurring campaign will still open a round before it ends."""
    schedule = campaign.schedule
    if schedule is None or campaign.published_at is None:
        return False
    following = round_rules.round_opens_at(
        published_at=campaign.published_at,
        every_days=schedule.every_days,
        round_no=_current_round(db_session, campaign) + 1,
    )
    return following < campaign.ends_at


def _completed(db_session: Session, campaign: Campaign, now: datetime) -> None:
    # Not done while it runs: a recurring campaign between rounds has more work to come.
    if campaign.status != "published" or _more_rounds_to_come(db_session, campaign):
        return
    counts = dict(
        db_session.execute(
            select(Mission.status, func.count())
            .where(Mission.campaign_id == campaign.id)
            .group_by(Mission.status)
        ).all()
    )
    if not counts or any(counts.get(status) for status in UNFINISHED):
        return
    key = f"campaign.completed:{campaign.id}"
    if webhooks.first_time(db_session=db_session, key=key, now=now):
        webhooks.emit(
            db_session=db_session,
            brand_id=campaign.brand_id,
            event_type="campaign.completed",
            data={
                "campaign_id": campaign.id,
                "missions": {status: int(n) for status, n in counts.items()},
                "completed_at": now.isoformat(),
            },
            now=now,
        )
