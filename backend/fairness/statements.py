"""The fairness reads' SQL, built once with bound parameters.

Built per request, each statement cost more Python (building the expression, its cache key)
than most of them take in the database; built here once, a request binds values and runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from backend.accounts.models import Brand
from backend.campaigns.models import Campaign
from backend.missions.models import Mission
from backend.payouts.models import PayoutRequest
from backend.review.models import Appeal
from backend.submissions.models import Submission

SINCE = bindparam("since", type_=Submission.received_at.type)
BRAND_ID = bindparam("brand_id", type_=Submission.brand_id.type)
IN_WINDOW = Submission.received_at >= SINCE
OF_BRAND = Submission.brand_id == BRAND_ID

brand = select(Brand.id, Brand.name).where(Brand.id == BRAND_ID)

# Counts of the window's submissions: in the order of ix_submissions_fairness_grouped, so that
# SQLite need not sort them; with each campaign's estimate and name (found once a group).
KEYS = (
    Submission.status,
    Submission.outcome,
    Submission.credited_minor,
    Submission.credited_currency,
)


def _counts(*where: ColumnElement[bool], by_mission: bool = False) -> Select[Any]:
    """The grouped counts under `where`; `by_mission`: of the rows written without their
    campaign (a test's factory's), by their mission's campaign."""
    campaign_id = Mission.campaign_id if by_mission else Submission.campaign_id
    grouped = select(
        campaign_id,
        *KEYS,
        func.count().label("submissions"),
        func.count(Submission.decision_seconds).label("decided"),
    )
    if by_mission:
        grouped = grouped.join(Mission, Mission.id == Submission.mission_id)
        where = (*where, Submission.campaign_id.is_(None))
    rows = grouped.where(*where).group_by(campaign_id, *KEYS).subquery()
    return select(rows, Campaign.est_minutes, Campaign.name, Campaign.brand_id).outerjoin(
        Campaign, Campaign.id == rows.c.campaign_id
    )


counts = _counts(IN_WINDOW)
brand_counts = _counts(OF_BRAND, IN_WINDOW)
counts_by_mission = _counts(IN_WINDOW, by_mission=True)
brand_counts_by_mission = _counts(OF_BRAND, IN_WINDOW, by_mission=True)

# Appeals of the window's submissions, by campaign and status: from the appeals (far fewer than
# the window's submissions), each looking its submission up.
appealed = aliased(Submission)
_of_appeal = appealed.id == Appeal.submission_id
_appeal_campaign = (
    select(appealed.campaign_id)
    .where(_of_appeal, appealed.received_at >= SINCE)
    .scalar_subquery()
    .label("campaign_id")
)
# By the label: grouping by the expression would look each submission up twice.
appeals = select(_appeal_campaign, Appeal.status, func.count()).group_by(
    _appeal_campaign.name, Appeal.status
)
# Rows written without their campaign: their mission's.
_mission_campaign = (
    select(Mission.campaign_id).where(Mission.id == appealed.mission_id).scalar_subquery()
)
_appeal_campaign_or_mission = (
    select(func.coalesce(appealed.campaign_id, _mission_campaign))
    .where(_of_appeal, appealed.received_at >= SINCE)
    .scalar_subquery()
    .label("campaign_id")
)
appeals_by_mission = select(_appeal_campaign_or_mission, Appeal.status, func.count()).group_by(
    _appeal_campaign_or_mission.name, Appeal.status
)
# A brand's: only the status counts (its campaigns' total), whatever the campaign kept;
# PostgreSQL hashes the brand's window (ix_submissions_brand_received_id) against the appeals.
brand_appeals = (
    select(Appeal.status, func.count())
    .where(
        select(literal(1))
        .where(_of_appeal, appealed.brand_id == BRAND_ID, appealed.received_at >= SINCE)
        .exists()
    )
    .group_by(Appeal.status)
)

# Payout requests paid since the window opened: how many kept their delay, and how many were
# written paid without it (then computed from the two times instead); one walk of
# ix_payout_requests_status_requested.
_paid_since = and_(PayoutRequest.status == "paid", PayoutRequest.requested_at >= SINCE)
_unkept = and_(PayoutRequest.paid_at.is_not(None), PayoutRequest.paid_after_seconds.is_(None))
payout_counts = select(
    func.count(PayoutRequest.paid_after_seconds),
    func.coalesce(func.sum(case((_unkept, 1), else_=0)), 0),
).where(_paid_since)


def _pair(
    member: int, column: Any, where: Sequence[ColumnElement[bool]], descending: bool
) -> Select[Any]:
    """Values at an offset along `column`'s order (from the top when `descending`): the
    bounds of a quantile, read along an index instead of sorting every value."""
    order = column.desc() if descending else column
    walked = (
        select(column)
        .where(*where)
        .order_by(order)
        .offset(bindparam(f"skip{member}"))
        .limit(bindparam(f"take{member}"))
        .subquery()
    )
    return select(literal(member).label("member"), walked.c[0].label("value"))


# The quantiles 0.5 and 0.9 of the decision times, then of the payout delays: the median from
# the bottom, the 90th percentile from the top (a tenth of the walk). In one round trip.
_decided = [IN_WINDOW, Submission.decision_seconds.is_not(None)]
# Wrapped, so that no planner takes the requested_at index and sorts.
_requested = func.coalesce(PayoutRequest.requested_at, PayoutRequest.requested_at)
_kept = [
    PayoutRequest.status == "paid",
    PayoutRequest.paid_after_seconds.is_not(None),
    _requested >= SINCE,
]
QUANTILES = (0.5, 0.9)  # the report's; a scorecard's is the median alone
DECISION, BRAND_DECISION, PAYOUT = 0, 2, 4  # each figure's first member


def from_top(q: float) -> bool:
    """Whether the bounds of quantile q are walked to from the top (the shorter way)."""
    return q > 0.5


pairs = union_all(
    *(
        _pair(DECISION + i, Submission.decision_seconds, _decided, from_top(q))
        for i, q in enumerate(QUANTILES)
    ),
    *(
        _pair(PAYOUT + i, PayoutRequest.paid_after_seconds, _kept, from_top(q))
        for i, q in enumerate(QUANTILES)
    ),
)
brand_pairs = union_all(
    _pair(BRAND_DECISION, Submission.decision_seconds, [OF_BRAND, *_decided], from_top(0.5)),
    _pair(PAYOUT, PayoutRequest.paid_after_seconds, _kept, from_top(0.5)),
)

# Open missions of published campaigns by campaign and pay, in the order of their partial index
# (ix_missions_open_pay, no sort), each campaign's estimate beside.
_OPEN_KEYS = (
    Mission.campaign_id,
    Mission.reward_amount_minor,
    Mission.bonus_minor,
    Mission.reward_currency,
)
_open = (
    select(*_OPEN_KEYS, func.count().label("missions"))
    .where(Mission.status == "open")
    .group_by(*_OPEN_KEYS)
    .subquery()
)
open_pay = select(
    _open.c.reward_amount_minor + _open.c.bonus_minor,
    _open.c.reward_currency,
    Campaign.est_minutes,
    _open.c.missions,
).join(Campaign, and_(Campaign.id == _open.c.campaign_id, Campaign.status == "published"))
