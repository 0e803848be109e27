"""Fairness figures from the database: a brand's scorecard for workers, the platform report.

Reads only (the feature writes nothing), hence queries.py.

Every figure about submissions covers those received in the window (the last `days` days).
Counts, pay and rates come from one grouped scan of a covering index: each submission keeps
its campaign, the seconds to its first decision and its credit (submissions.models), kept in
the transaction of the write that sets them, so no join and no cache. A median or p90 of
durations is read as the two values around its rank (ORDER BY, OFFSET, LIMIT 2), since
SQLite has no percentile function; each equals rules.percentile() over every value.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, literal_column, select
from sqlalchemy.orm import QueryableAttribute, Session

from backend.accounts.models import Brand
from backend.campaigns.models import Campaign
from backend.errors import not_found
from backend.fairness import rules
from backend.fairness.rules import FairnessSettings
from backend.kernel.durations import seconds_between
from backend.missions.models import Mission
from backend.payouts.models import PayoutRequest
from backend.review.models import Appeal
from backend.submissions.models import Submission


class Counted(NamedTuple):
    """Submissions received in the window with the same campaign, status, outcome, credit."""

    campaign_id: str
    status: str
    outcome: str
    credited_minor: int | None
    credited_currency: str | None
    submissions: int


def _window(now: datetime, days: int) -> dict[str, Any]:
    return {"days": days, "since": now - timedelta(days=days), "until": now}


def _in_window(since: datetime, brand_id: str | None) -> ColumnElement[bool]:
    received = Submission.received_at >= since
    return received if brand_id is None else and_(Submission.brand_id == brand_id, received)


def _campaign() -> ColumnElement[str]:
    """The submission's campaign, kept on it; its mission's for a row written without it."""
    of_mission = select(Mission.campaign_id).where(Mission.id == Submission.mission_id)
    return func.coalesce(Submission.campaign_id, of_mission.scalar_subquery())


def submission_counts(
    *, db_session: Session, since: datetime, brand_id: str | None
) -> list[Counted]:
    """Submissions received since `since`, counted by campaign, status, outcome and credit."""
    keys = (
        Submission.status,
        Submission.outcome,
        Submission.credited_minor,
        Submission.credited_currency,
    )
    grouped = (
        select(Submission.campaign_id, *keys, func.count())
        .where(_in_window(since, brand_id))
        .group_by(Submission.campaign_id, *keys)
    )
    connection = db_session.connection()
    counted = [Counted._make(row) for row in connection.execute(grouped).all()]
    if all(row.campaign_id is not None for row in counted):
        return counted
    # Rows written without their campaign (as a test's factory writes them): their mission's.
    by_mission = (
        select(Mission.campaign_id, *keys, func.count())
        .join(Mission, Mission.id == Submission.mission_id)
        .where(_in_window(since, brand_id), Submission.campaign_id.is_(None))
        .group_by(Mission.campaign_id, *keys)
    )
    kept = [row for row in counted if row.campaign_id is not None]
    return kept + [Counted._make(row) for row in connection.execute(by_mission).all()]


def decision_times(
    *, db_session: Session, since: datetime, brand_id: str | None, quantiles: Sequence[float]
) -> tuple[int, list[float | None]]:
    """How many submissions received since `since` have a first approval or rejection
    (machine, admin or deadline; a later appeal's is not it), and these quantiles of the
    seconds from receipt to it."""
    seconds = Submission.decision_seconds
    return _quantiles(
        db_session, seconds, [_in_window(since, brand_id), seconds.is_not(None)], quantiles
    )


def status_counts(counted: Iterable[Counted]) -> dict[str, Counter[str]]:
    """The counted submissions by campaign and current status."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in counted:
        counts[row.campaign_id][row.status] += row.submissions
    return counts


def appeal_counts(
    *, db_session: Session, since: datetime, brand_id: str | None
) -> dict[str, Counter[str]]:
    """Appeals of submissions received since `since`, counted by campaign and appeal status."""
    # From the appeals, each looking its submission up: far fewer than the window's
    # submissions, and the planner cannot choose to walk those instead.
    campaign = (
        select(_campaign())
        .where(Submission.id == Appeal.submission_id, _in_window(since, brand_id))
        .scalar_subquery()
        .label("campaign_id")
    )
    rows = db_session.connection().execute(
        # By the label: grouping by the expression would look each submission up twice.
        select(campaign, Appeal.status, func.count()).group_by(
            literal_column("campaign_id"), Appeal.status
        )
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for campaign_id, status, count in rows:
        if campaign_id is not None:  # None: received before the window (or another brand's)
            counts[campaign_id][status] += count
    return counts


def _est_minutes(db_session: Session, campaign_ids: set[str]) -> dict[str, int]:
    if not campaign_ids:
        return {}
    rows = db_session.execute(
        select(Campaign.id, Campaign.est_minutes).where(Campaign.id.in_(campaign_ids))
    )
    return {row.id: row.est_minutes for row in rows}


def hourly_pays(
    *, db_session: Session, counted: Iterable[Counted], settings: FairnessSettings
) -> list[tuple[int, int]]:
    """Pay per active hour of the counted approved, completed submissions paid in the floor's
    currency, as (rate, how many): the reward credited to the worker over the campaign's
    minutes plus the travel allowance.

    A closed store's show-up pay is left out: the estimate is that of a full audit.
    """
    paid: Counter[tuple[int, str]] = Counter()
    for row in counted:
        if (
            row.status == "approved"
            and row.outcome == "completed"
            and row.credited_minor is not None
            and row.credited_currency == settings.floor.currency
        ):
            paid[row.credited_minor, row.campaign_id] += row.submissions
    minutes = _est_minutes(db_session, {campaign_id for _, campaign_id in paid})
    return [
        (
            rules.hourly_pay(
                paid_minor=amount,
                est_minutes=minutes[campaign_id],
                allowance_minutes=settings.allowance_minutes,
            ),
            count,
        )
        for (amount, campaign_id), count in paid.items()
    ]


def approved_outcomes(counted: Iterable[Counted]) -> Counter[str]:
    """The counted approved submissions by outcome."""
    outcomes: Counter[str] = Counter()
    for row in counted:
        if row.status == "approved":
            outcomes[row.outcome] += row.submissions
    return outcomes


def payout_delays(
    *, db_session: Session, since: datetime, quantiles: Sequence[float]
) -> tuple[int, list[float | None]]:
    """How many payout requests made since `since` were paid, and these quantiles of the
    seconds from request to payment.

    Platform-wide: a payout pays a worker's whole balance, whichever brands it came from.
    """
    paid = [
        PayoutRequest.status == "paid",
        PayoutRequest.paid_at.is_not(None),
        PayoutRequest.requested_at >= since,
    ]
    kept = PayoutRequest.paid_after_seconds
    unkept = select(PayoutRequest.id).where(*paid, kept.is_(None)).limit(1)
    if db_session.connection().execute(unkept).first() is None:
        # Each kept as it was paid: read in order along their index, the window checked on
        # the way (wrapped, so that no planner takes the requested_at index and sorts).
        requested = func.coalesce(PayoutRequest.requested_at, PayoutRequest.requested_at)
        along = [PayoutRequest.status == "paid", kept.is_not(None), requested >= since]
        return _quantiles(db_session, kept, along, quantiles)
    # Some written paid without it (a test's rows, a restore's): computed for those.
    seconds = func.coalesce(
        kept, seconds_between(PayoutRequest.requested_at, PayoutRequest.paid_at)
    )
    return _quantiles(db_session, seconds, paid, quantiles)


def _quantiles(
    db_session: Session,
    value: ColumnElement[Any] | QueryableAttribute[Any],
    where: list[ColumnElement[bool]],
    quantiles: Sequence[float],
) -> tuple[int, list[float | None]]:
    """How many rows match `where`, and rules.percentile() of their `value`s at each quantile,
    read as the two values around its rank (ordered, offset) rather than every value."""
    connection = db_session.connection()
    count = connection.execute(select(func.count(value)).where(*where)).scalar_one()
    found: list[float | None] = []
    for q in quantiles:
        if not count:
            found.append(None)
            continue
        low, fraction = rules.rank(count, q)
        pair = connection.execute(
            select(value).where(*where).order_by(value).offset(low).limit(2)
        ).scalars()
        found.append(rules.interpolate(list(pair), fraction))
    return count, found


def open_mission_pay(*, db_session: Session) -> list[tuple[int, str, int, int]]:
    """Open missions of published campaigns as (reward + bonus, currency, est_minutes, count)."""
    # Grouped by campaign first (the open missions' own index), then a campaign each.
    pay = (Mission.reward_amount_minor + Mission.bonus_minor).label("pay")
    open_pay = (
        select(Mission.campaign_id, pay, Mission.reward_currency, func.count().label("missions"))
        .where(Mission.status == "open")
        .group_by(Mission.campaign_id, pay, Mission.reward_currency)
        .subquery()
    )
    keys = (open_pay.c.pay, open_pay.c.reward_currency, Campaign.est_minutes)
    rows = db_session.connection().execute(
        select(*keys, func.sum(open_pay.c.missions))
        .join(Campaign, Campaign.id == open_pay.c.campaign_id)
        .where(Campaign.status == "published")
        .group_by(*keys)
    )
    return [(int(p), currency, minutes, int(count)) for p, currency, minutes, count in rows]


def brand_scorecard(
    *, db_session: Session, brand_id: str, now: datetime, days: int, settings: FairnessSettings
) -> dict[str, Any]:
    """How a brand treats workers over the window; 404 for a brand that does not exist."""
    brand = db_session.get(Brand, brand_id)
    if brand is None:
        raise not_found("brand")
    window = _window(now, days)
    scope: dict[str, Any] = {
        "db_session": db_session,
        "since": window["since"],
        "brand_id": brand.id,
    }
    counted = submission_counts(**scope)
    statuses = _total(status_counts(counted))
    appeals = _total(appeal_counts(**scope))
    rates = rules.campaign_rates(statuses, appeals)
    decided, (decision_median,) = decision_times(**scope, quantiles=(0.5,))
    paid, (payout_median,) = payout_delays(
        db_session=db_session, since=window["since"], quantiles=(0.5,)
    )
    pay = rules.counted_pay_figures(
        hourly_pays(db_session=db_session, counted=counted, settings=settings), settings
    )
    return {
        "brand": {"id": brand.id, "name": brand.name},
        "window": window,
        "time_to_decision": {"count": decided, "median_seconds": decision_median},
        "rejection": {
            "decided": rates["decided"],
            "rejected": rates["rejected"],
            "rate": rates["rejection_rate"],
        },
        "appeal_reversal": {
            "decided": rates["appeals_decided"],
            "approved": rates["appeals_approved"],
            "share": rates["reversal_rate"],
        },
        "hourly_pay": {
            "count": pay["count"],
            "median": pay["median"],
            "travel_allowance_minutes": settings.allowance_minutes,
        },
        "payout_delay": {
            "scope": "platform",
            "count": paid,
            "median_seconds": payout_median,
        },
    }


def fairness_report(
    *,
    db_session: Session,
    now: datetime,
    days: int,
    top: int,
    settings: FairnessSettings,
    progress: Callable[[str], None] = lambda _step: None,
) -> dict[str, Any]:
    """The platform's figures a Fairwork-style audit asks for, over the window."""
    window = _window(now, days)
    scope: dict[str, Any] = {"db_session": db_session, "since": window["since"], "brand_id": None}
    progress("pay per active hour")
    counted = submission_counts(**scope)
    pay = rules.counted_pay_figures(
        hourly_pays(db_session=db_session, counted=counted, settings=settings), settings
    )
    # The pay figures count full audits paid in the floor's currency; say how many approved
    # submissions that leaves out, so that the chart's count agrees with the data.
    approved = approved_outcomes(counted)
    pay |= {"approved": approved.total(), "store_closed": approved["store_closed"]}
    progress("open missions under the floor")
    floor = rules.floor_figures(open_mission_pay(db_session=db_session), settings)
    progress("time to decision")
    decisions = _delay_figures(*decision_times(**scope, quantiles=(0.5, 0.9)))
    progress("time to payout")
    payouts = _delay_figures(
        *payout_delays(db_session=db_session, since=window["since"], quantiles=(0.5, 0.9))
    )
    progress("rates per campaign")
    campaigns = _campaign_rows(db_session, status_counts(counted), appeal_counts(**scope), top)
    return {
        "window": window,
        "floor": {"amount_minor": settings.floor.amount_minor, "currency": settings.floor.currency},
        "travel_allowance_minutes": settings.allowance_minutes,
        "hourly_pay": pay,
        "missions_below_floor": floor,
        "time_to_decision": decisions,
        "time_to_payout": payouts,
        "campaigns": campaigns,
    }


def _delay_figures(count: int, quantiles: list[float | None]) -> dict[str, Any]:
    """rules.delay_figures() from the count, the median and the 90th percentile."""
    median, p90 = quantiles
    return {"count": count, "median_seconds": median, "p90_seconds": p90}


def _total(by_campaign: dict[str, Counter[str]]) -> Counter[str]:
    total: Counter[str] = Counter()
    for counts in by_campaign.values():
        total.update(counts)
    return total


def _campaign_rows(
    db_session: Session,
    statuses: dict[str, Counter[str]],
    appeals: dict[str, Counter[str]],
    top: int,
) -> list[dict[str, Any]]:
    """The `top` campaigns by submissions received, most first, with their rates."""
    busiest = sorted(statuses, key=lambda cid: (-sum(statuses[cid].values()), cid))[:top]
    if not busiest:
        return []
    names = {
        row.id: row
        for row in db_session.execute(
            select(Campaign.id, Campaign.name, Campaign.brand_id).where(Campaign.id.in_(busiest))
        )
    }
    return [
        {
            "campaign_id": cid,
            "name": names[cid].name,
            "brand_id": names[cid].brand_id,
            **rules.campaign_rates(statuses[cid], appeals.get(cid, Counter())),
        }
        for cid in busiest
    ]
