"""Fairness figures from the database: a brand's scorecard for workers, the platform report.

Reads only (the feature writes nothing), hence queries.py.

Every figure about submissions covers those received in the window (the last `days` days).
Each reads one grouped query; only durations come back a row each (two timestamps), since
a median needs the values and SQLite has no percentile function.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlalchemy.orm import Session

from backend.accounts.models import Brand
from backend.campaigns.models import Campaign
from backend.errors import not_found
from backend.fairness import rules
from backend.fairness.rules import FairnessSettings
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Mission
from backend.payouts.models import PayoutRequest
from backend.review.models import Appeal
from backend.submissions.models import Decision, Submission

DECISIVE = ("approved", "rejected")
CREDIT = "submission_credit"


def _window(now: datetime, days: int) -> dict[str, Any]:
    return {"days": days, "since": now - timedelta(days=days), "until": now}


def _of_brand(brand_id: str | None) -> ColumnElement[bool]:
    return true() if brand_id is None else Submission.brand_id == brand_id


def decision_times(*, db_session: Session, since: datetime, brand_id: str | None) -> list[float]:
    """Seconds from receipt to the first approval or rejection (machine, admin or deadline),
    for each submission received since `since` that has one; a later appeal's is not it."""
    rows = db_session.execute(
        select(Submission.received_at, func.min(Decision.created_at))
        .join(Decision, Decision.submission_id == Submission.id)
        .where(
            Submission.received_at >= since,
            Decision.status.in_(DECISIVE),
            _of_brand(brand_id),
        )
        .group_by(Submission.id, Submission.received_at)
    )
    return [rules.seconds_between(received, first) for received, first in rows]


def status_counts(
    *, db_session: Session, since: datetime, brand_id: str | None
) -> dict[str, Counter[str]]:
    """Submissions received since `since`, counted by campaign and current status."""
    rows = db_session.execute(
        select(Mission.campaign_id, Submission.status, func.count())
        .join(Mission, Mission.id == Submission.mission_id)
        .where(Submission.received_at >= since, _of_brand(brand_id))
        .group_by(Mission.campaign_id, Submission.status)
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for campaign_id, status, count in rows:
        counts[campaign_id][status] += count
    return counts


def appeal_counts(
    *, db_session: Session, since: datetime, brand_id: str | None
) -> dict[str, Counter[str]]:
    """Appeals of submissions received since `since`, counted by campaign and appeal status."""
    rows = db_session.execute(
        select(Mission.campaign_id, Appeal.status, func.count())
        .join(Submission, Submission.id == Appeal.submission_id)
        .join(Mission, Mission.id == Submission.mission_id)
        .where(Submission.received_at >= since, _of_brand(brand_id))
        .group_by(Mission.campaign_id, Appeal.status)
    )
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for campaign_id, status, count in rows:
        counts[campaign_id][status] += count
    return counts


def hourly_pays(
    *, db_session: Session, since: datetime, brand_id: str | None, settings: FairnessSettings
) -> list[int]:
    """Pay per active hour of each approved, completed submission received since `since`:
    the reward credited to the worker over the campaign's minutes plus the travel allowance.

    A closed store's show-up pay is left out: the estimate is that of a full audit.
    """
    rows = db_session.execute(
        select(LedgerEntry.amount_minor, Campaign.est_minutes, func.count())
        .select_from(Submission)
        .join(
            LedgerTransaction,
            and_(
                LedgerTransaction.submission_id == Submission.id,
                LedgerTransaction.kind == CREDIT,
            ),
        )
        .join(
            LedgerEntry,
            and_(LedgerEntry.transaction_id == LedgerTransaction.id, LedgerEntry.amount_minor > 0),
        )
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(
            Submission.status == "approved",
            Submission.outcome == "completed",
            Submission.received_at >= since,
            LedgerEntry.currency == settings.floor.currency,
            _of_brand(brand_id),
        )
        .group_by(LedgerEntry.amount_minor, Campaign.est_minutes)
    )
    counted = [
        (
            rules.hourly_pay(
                paid_minor=paid,
                est_minutes=minutes,
                allowance_minutes=settings.allowance_minutes,
            ),
            count,
        )
        for paid, minutes, count in rows
    ]
    return rules.expand(counted)


def approved_outcomes(
    *, db_session: Session, since: datetime, brand_id: str | None
) -> Counter[str]:
    """Approved submissions received since `since`, counted by outcome."""
    rows = db_session.execute(
        select(Submission.outcome, func.count())
        .where(
            Submission.status == "approved",
            Submission.received_at >= since,
            _of_brand(brand_id),
        )
        .group_by(Submission.outcome)
    )
    return Counter({str(outcome): int(count) for outcome, count in rows})


def payout_delays(*, db_session: Session, since: datetime) -> list[float]:
    """Seconds from request to payment of every paid payout request made since `since`.

    Platform-wide: a payout pays a worker's whole balance, whichever brands it came from.
    """
    rows = db_session.execute(
        select(PayoutRequest.requested_at, PayoutRequest.paid_at).where(
            PayoutRequest.status == "paid",
            PayoutRequest.paid_at.is_not(None),
            PayoutRequest.requested_at >= since,
        )
    )
    return [rules.seconds_between(requested, paid) for requested, paid in rows if paid]


def open_mission_pay(*, db_session: Session) -> list[tuple[int, str, int, int]]:
    """Open missions of published campaigns as (reward + bonus, currency, est_minutes, count)."""
    pay = Mission.reward_amount_minor + Mission.bonus_minor
    rows = db_session.execute(
        select(pay, Mission.reward_currency, Campaign.est_minutes, func.count())
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(Mission.status == "open", Campaign.status == "published")
        .group_by(pay, Mission.reward_currency, Campaign.est_minutes)
    )
    return [(int(p), currency, minutes, count) for p, currency, minutes, count in rows]


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
    statuses = _total(status_counts(**scope))
    appeals = _total(appeal_counts(**scope))
    rates = rules.campaign_rates(statuses, appeals)
    decisions = rules.delay_figures(decision_times(**scope))
    payouts = rules.delay_figures(payout_delays(db_session=db_session, since=window["since"]))
    pay = rules.pay_figures(hourly_pays(**scope, settings=settings), settings)
    return {
        "brand": {"id": brand.id, "name": brand.name},
        "window": window,
        "time_to_decision": {k: decisions[k] for k in ("count", "median_seconds")},
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
            "count": payouts["count"],
            "median_seconds": payouts["median_seconds"],
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
    pay = rules.pay_figures(hourly_pays(**scope, settings=settings), settings)
    # The pay figures count full audits paid in the floor's currency; say how many approved
    # submissions that leaves out, so that the chart's count agrees with the data.
    approved = approved_outcomes(**scope)
    pay |= {"approved": approved.total(), "store_closed": approved["store_closed"]}
    progress("open missions under the floor")
    floor = rules.floor_figures(open_mission_pay(db_session=db_session), settings)
    progress("time to decision")
    decisions = rules.delay_figures(decision_times(**scope))
    progress("time to payout")
    payouts = rules.delay_figures(payout_delays(db_session=db_session, since=window["since"]))
    progress("rates per campaign")
    campaigns = _campaign_rows(db_session, status_counts(**scope), appeal_counts(**scope), top)
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
