"""What a decision does to its mission: an approval completes it; a rejection reopens it for
another worker, or expires it once its campaign no longer runs.

A mission waits on one submission at a time. Once a rejection reopened it, a later decision
on that submission (an appeal granted or refused) leaves the mission to whoever holds it now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session, aliased

from backend.campaigns.models import Campaign
from backend.campaigns.rewards import lift_reopened
from backend.missions.models import Mission
from backend.review import rules
from backend.submissions.models import Submission

# What an approved submission leaves its mission as, by outcome: a closed store stays
# visible to the brand as such, and may be re-opened (campaigns.closures).
MISSION_DONE = {"completed": "completed", "store_closed": "store_closed"}
# Another worker's evidence for the mission on its way to a decision.
IN_PROGRESS = ("uploading", "received", "validating", "in_review")


def _waits_on(mission_id: str, submission_id: str) -> ColumnElement[bool]:
    """The mission is submitted and waits on this submission, not on another worker's."""
    other = aliased(Submission)
    return and_(
        Mission.id == mission_id,
        Mission.status == "submitted",
        ~select(other.id)
        .where(
            other.mission_id == mission_id,
            other.id != submission_id,
            other.status.in_(IN_PROGRESS),
        )
        .exists(),
    )


def complete_mission(*, db_session: Session, submission_id: str) -> None:
    """An approval completes the mission it was done for (or marks its store closed)."""
    mission_id, outcome = db_session.execute(
        select(Submission.mission_id, Submission.outcome).where(Submission.id == submission_id)
    ).one()
    db_session.execute(
        update(Mission)
        .where(_waits_on(mission_id, submission_id))
        .values(status=MISSION_DONE[outcome])
        .execution_options(synchronize_session=False)
    )


def reopen_mission(*, db_session: Session, submission_id: str, now: datetime) -> None:
    """A rejection hands the mission to other workers at once (the rejected worker may not
    claim it again), or expires it when its campaign is over or cancelled. The reward stays
    in the campaign's budget for whoever does it next, lifted to the campaign's reward (and
    funded) if that was raised while the mission was in review."""
    mission_id = db_session.execute(
        select(Submission.mission_id).where(Submission.id == submission_id)
    ).scalar_one()
    # The campaign's row, locked: a cancel cannot slip between this read and the update
    # (SQLite runs writers one at a time already; FOR UPDATE is not rendered there).
    campaign = db_session.execute(
        select(
            Campaign.id,
            Campaign.status,
            Campaign.ends_at,
            Campaign.reward_amount_minor,
            Campaign.reward_currency,
        )
        .join(Mission, Mission.campaign_id == Campaign.id)
        .where(Mission.id == mission_id)
        .with_for_update(of=Campaign)
    ).one()
    status = rules.reopened_status(campaign.status, campaign.ends_at, now)
    reopened = db_session.execute(
        update(Mission)
        .where(_waits_on(mission_id, submission_id))
        .values(status=status)
        .execution_options(synchronize_session=False)
    )
    if status == "open" and reopened.rowcount == 1:  # type: ignore[attr-defined]
        # Raised while it was in review: whoever does it next is paid today's reward.
        lift_reopened(
            db_session=db_session,
            mission_id=mission_id,
            campaign_id=campaign.id,
            currency=campaign.reward_currency,
            reward=campaign.reward_amount_minor,
            now=now,
        )
