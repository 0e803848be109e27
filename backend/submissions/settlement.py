"""Settle a recorded decision: an approval pays the worker (once) and completes the mission;
a rejection hands the mission to another worker, or expires it once its campaign is over.

A mission waits on one submission at a time. Once a rejection reopened it, a later decision
on that submission (an appeal granted or refused) leaves the mission to whoever holds it now.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, String, Update, bindparam, select, update
from sqlalchemy.orm import Session, aliased

from backend.campaigns import events as campaign_events
from backend.campaigns.models import Campaign
from backend.campaigns.rewards import lift_reopened
from backend.kernel.money import Money
from backend.ledger import service as ledger
from backend.missions import states as missions
from backend.missions.models import Mission
from backend.stores.models import Store
from backend.submissions import events, rules
from backend.submissions.models import Decision, Submission

# What an approved submission leaves its mission as, by outcome: a closed store stays
# visible to the brand as such, and may be re-opened (campaigns.closures).
MISSION_DONE = {"completed": "completed", "store_closed": "store_closed"}
# Another worker's evidence for the mission on its way to a decision.
IN_PROGRESS = ("uploading", "received", "validating", "in_review")


def settle_decision(
    *, db_session: Session, submission_id: str, status: str, now: datetime
) -> Row[*tuple[Any, ...]] | None:
    """Do what the submission's recorded decision (that moved it to `status`) asks of money
    and mission. An approval returns the row it paid by (_approval): the worker's notice
    is told from it."""
    if status == "approved":
        row = _approval(db_session, submission_id)
        _credit(db_session, submission_id, row, now)
        _complete_mission(db_session, submission_id, row.mission_id, row.outcome)
        events.submission_approved(
            db_session=db_session,
            submission_id=submission_id,
            brand_id=row.brand_id,
            mission_id=row.mission_id,
            campaign_id=row.campaign_id,
            store_id=row.store_id,
            outcome=row.outcome,
            now=now,
        )
        return row
    if status == "rejected":
        _reopen_mission(db_session, submission_id, now)
    return None


def credit_approved(*, db_session: Session, submission_id: str, now: datetime) -> bool:
    """Pay an approved submission to its worker, once: the mission's reward and bonus, or its
    show-up pay when the worker found the store closed; from the campaign, or from the
    platform when it is a repeat approval of the mission. False if it was paid already."""
    return _credit(db_session, submission_id, _approval(db_session, submission_id), now)


def _approval(db_session: Session, submission_id: str) -> Row[*tuple[Any, ...]]:
    """What paying an approval, completing its mission and telling its worker and brand
    read, in one statement: the submission's worker and outcome, its mission's pay, store
    and campaign (the campaign's row, for campaigns.events to find in the session), and
    whether it was paid already.
    The mission's row is locked, so its approvals are paid one at a time (SQLite runs writers
    one at a time). On PostgreSQL `credited` is read in the statement's snapshot, taken
    before the lock wait: it does not see a credit a racing approval of the same submission
    committed meanwhile. That race cannot pay twice: only one decision moves a submission
    (states.move), and uq_ledger_transactions_submission_credit holds one credit each."""
    return db_session.execute(_approval_statement(), {"submission_id": submission_id}).one()


@cache
def _approval_statement() -> Select[*tuple[Any, ...]]:
    # Built once (an approval's statements took longer to build than to run), on first use:
    # ledger.credit_exists is another feature's, read when the app runs, not at import.
    submission_id = bindparam("submission_id", type_=String())
    return (
        select(
            Submission.worker_id,
            Submission.brand_id,
            Submission.outcome,
            Mission.id.label("mission_id"),
            Mission.campaign_id,
            Mission.store_id,
            (Mission.reward_amount_minor + Mission.bonus_minor).label("pay_minor"),
            Mission.reward_currency.label("currency"),
            Mission.show_up_minor,
            ledger.credit_exists(submission_id).label("credited"),
            Store.name.label("store"),
            Campaign.name.label("campaign_name"),
            Campaign,
        )
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(Submission.id == submission_id)
        .with_for_update(of=Mission)
    )


def _credit(
    db_session: Session, submission_id: str, row: Row[*tuple[Any, ...]], now: datetime
) -> bool:
    """Pay the approval `row` (_approval) describes, unless it was paid already."""
    if row.credited:
        return False
    amount = rules.approval_pay_minor(
        outcome=row.outcome,
        pay_minor=row.pay_minor,
        show_up_minor=row.show_up_minor,
        mission_id=row.mission_id,
    )
    ledger.credit_submission(
        db_session=db_session,
        submission_id=submission_id,
        worker_id=row.worker_id,
        amount=Money(amount, row.currency),
        campaign_id=row.campaign_id,
        # Read after the lock, in a statement of its own: it sees a racing approval's credit
        # committed while this one waited for the mission's row.
        repeat=is_repeat_approval(
            db_session=db_session, submission_id=submission_id, mission_id=row.mission_id
        ),
        now=now,
        # Kept on the submission with the credit, for the fairness figures' pay per hour
        # (backend/fairness).
        beside=(
            _CREDITED,
            {"credited_id": submission_id, "credited_minor": amount, "currency": row.currency},
        ),
    )
    return True


_CREDITED = (
    update(Submission)
    .where(Submission.id == bindparam("credited_id"))
    .values(credited_minor=bindparam("credited_minor"), credited_currency=bindparam("currency"))
)


def is_repeat_approval(*, db_session: Session, submission_id: str, mission_id: str) -> bool:
    """Whether approving this submission pays for its mission a second time: another of the
    mission's submissions was credited, and one of the two was rejected once (the mission was
    redone after a rejection, then the appeal granted). A store found closed and re-opened by
    its brand is paid for again by the brand (campaigns.closures), so that is no repeat."""
    others = list(
        db_session.scalars(_OTHERS, {"mission_id": mission_id, "submission_id": submission_id})
    )
    paid = ledger.credited(db_session=db_session, submission_ids=others)
    if not paid:
        return False
    rejected = select(Decision.id).where(
        Decision.submission_id.in_([submission_id, *paid]), Decision.status == "rejected"
    )
    return db_session.scalar(rejected.limit(1)) is not None


_OTHERS = select(Submission.id).where(
    Submission.mission_id == bindparam("mission_id"), Submission.id != bindparam("submission_id")
)
# One alias for every call: aliasing the model anew took longer than the statement ran.
_OTHER = aliased(Submission)


def _alone(
    mission_id: str | ColumnElement[str], submission_id: str | ColumnElement[str]
) -> ColumnElement[bool]:
    """No other worker's evidence for the mission is on its way to a decision."""
    other = _OTHER
    return ~(
        select(other.id)
        .where(
            other.mission_id == mission_id,
            other.id != submission_id,
            other.status.in_(IN_PROGRESS),
        )
        .exists()
    )


def _complete_mission(
    db_session: Session, submission_id: str, mission_id: str, outcome: str
) -> None:
    """An approval completes the mission it was done for (or marks its store closed)."""
    db_session.execute(
        _completing(MISSION_DONE[outcome]),
        {"done_mission_id": mission_id, "done_submission_id": submission_id},
    )


@cache
def _completing(to: str) -> Update:
    # missions.move's statement, built once per outcome (building it took longer than it ran).
    mission_id = bindparam("done_mission_id", type_=String())
    submission_id = bindparam("done_submission_id", type_=String())
    return missions.statement(
        to=to,
        froms=("submitted",),
        where=[Mission.id == mission_id, _alone(mission_id, submission_id)],
    )


def _reopen_mission(db_session: Session, submission_id: str, now: datetime) -> None:
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
    reopened = missions.move(
        db_session,
        mission_id=mission_id,
        froms=("submitted",),
        to=status,
        where=[_alone(mission_id, submission_id)],
    )
    if reopened:
        if status == "open":
            campaign_events.mission_reopened(
                db_session=db_session, mission_id=mission_id, reason="submission_rejected", now=now
            )
        else:  # expired: it may have been the campaign's last mission to finish
            campaign_events.campaign_moved(db_session=db_session, campaign_id=campaign.id, now=now)
    if status == "open" and reopened:
        # Raised while it was in review: whoever does it next is paid today's reward.
        lift_reopened(
            db_session=db_session,
            mission_id=mission_id,
            campaign_id=campaign.id,
            currency=campaign.reward_currency,
            reward=campaign.reward_amount_minor,
            now=now,
        )
