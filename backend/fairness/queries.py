"""Fairness figures from the database: a brand's scorecard for workers, the platform report.

Reads only (the feature writes nothing), hence queries.py; the SQL is built once in
statements.py, and a request reads it in a few round trips (six with the sign-in).

Every figure about submissions covers those received in the window (the last `days` days).
Counts, pay, rates and how many were decided come from one grouped scan of a covering index
(fairness/indexes.py): each submission keeps its campaign, the seconds to its first decision
and its credit (submissions.models), kept in the transaction of the write that sets them, so
no join and no cache. A median or p90 of durations is read as the two values around its rank
(ORDER BY, OFFSET, LIMIT 2; a p90 from the top), since SQLite has no percentile function; each
equals rules.percentile() over every value.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from backend.errors import not_found
from backend.fairness import rules, statements
from backend.fairness.rules import FairnessSettings
from backend.kernel.durations import seconds_between
from backend.payouts.models import PayoutRequest


class Counted(NamedTuple):
    """Submissions received in the window with the same campaign, status, outcome, credit;
    how many, how many of them decided, and their campaign's estimate, name and brand."""

    campaign_id: str
    status: str
    outcome: str
    credited_minor: int | None
    credited_currency: str | None
    submissions: int
    decided: int
    est_minutes: int
    name: str
    brand_id: str


def _window(now: datetime, days: int) -> dict[str, Any]:
    return {"days": days, "since": now - timedelta(days=days), "until": now}


def submission_counts(
    connection: Connection, params: dict[str, Any], *, brand: bool
) -> tuple[list[Counted], bool]:
    """The window's submissions counted by campaign, status, outcome and credit (the brand's
    when `brand`), and whether every one of them kept its campaign."""
    grouped = statements.brand_counts if brand else statements.counts
    counted = [Counted._make(row) for row in connection.execute(grouped, params)]
    if all(row.campaign_id is not None for row in counted):
        return counted, True
    # Rows written without their campaign (as a test's factory writes them): their mission's.
    by_mission = statements.brand_counts_by_mission if brand else statements.counts_by_mission
    kept = [row for row in counted if row.campaign_id is not None]
    return kept + [Counted._make(row) for row in connection.execute(by_mission, params)], False


def status_counts(counted: Iterable[Counted]) -> dict[str, Counter[str]]:
    """The counted submissions by campaign and current status."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in counted:
        counts[row.campaign_id][row.status] += row.submissions
    return counts


def appeal_counts(
    connection: Connection, params: dict[str, Any], *, kept: bool
) -> dict[str, Counter[str]]:
    """Appeals of the window's submissions, counted by campaign and appeal status."""
    statement = statements.appeals if kept else statements.appeals_by_mission
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for campaign_id, status, count in connection.execute(statement, params):
        if campaign_id is not None:  # None: received before the window
            counts[campaign_id][status] += count
    return counts


def hourly_pays(counted: Iterable[Counted], settings: FairnessSettings) -> list[tuple[int, int]]:
    """Pay per active hour of the counted approved, completed submissions paid in the floor's
    currency, as (rate, how many): the reward credited to the worker over the campaign's
    minutes plus the travel allowance.

    A closed store's show-up pay is left out: the estimate is that of a full audit.
    """
    paid: Counter[tuple[int, int]] = Counter()
    for row in counted:
        if (
            row.status == "approved"
            and row.outcome == "completed"
            and row.credited_minor is not None
            and row.credited_currency == settings.floor.currency
        ):
            paid[row.credited_minor, row.est_minutes] += row.submissions
    return [
        (
            rules.hourly_pay(
                paid_minor=amount,
                est_minutes=minutes,
                allowance_minutes=settings.allowance_minutes,
            ),
            count,
        )
        for (amount, minutes), count in paid.items()
    ]


def approved_outcomes(counted: Iterable[Counted]) -> Counter[str]:
    """The counted approved submissions by outcome."""
    outcomes: Counter[str] = Counter()
    for row in counted:
        if row.status == "approved":
            outcomes[row.outcome] += row.submissions
    return outcomes


class _Quantiles:
    """Quantiles of durations, each read as the two values around its rank: the bounds of
    every one asked for in one round trip (statements.pairs)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = dict(params)
        self.asked: list[tuple[int, int, float, bool]] = []  # member, count, fraction, top

    def ask(self, member: int, count: int | None, qs: Sequence[float]) -> None:
        """The bounds of the quantiles `qs` of `count` values, read by the statement's members
        from `member` on: the median from the bottom, a higher one from the top (a shorter
        walk). None: nothing to read."""
        for offset, q in enumerate(qs):
            low, fraction = rules.rank(count or 0, q)
            top = statements.from_top(q)
            skip, take = (0, 0) if not count else (low, 2)
            if count and top:  # the values at low and low + 1, counted from the other end
                skip, take = max(count - 2 - low, 0), min(count - low, 2)
            self.params |= {f"skip{member + offset}": skip, f"take{member + offset}": take}
            if count is not None:
                self.asked.append((member + offset, count, fraction, top))

    def read(self, connection: Connection, statement: Any) -> dict[int, float | None]:
        found: dict[int, list[float]] = defaultdict(list)
        for member, value in connection.execute(statement, self.params):
            found[member].append(value)
        quantiles: dict[int, float | None] = {}
        for member, count, fraction, top in self.asked:
            pair = found[member][::-1] if top else found[member]
            quantiles[member] = rules.interpolate(pair, fraction) if count else None
        return quantiles


def _delays(
    db_session: Session, params: dict[str, Any], decided: int, qs: Sequence[float], *, brand: bool
) -> tuple[list[float | None], tuple[int, list[float | None]]]:
    """These quantiles of the `decided` decision times (the brand's when `brand`), and how
    many payout requests were paid with these quantiles of their delays."""
    connection = db_session.connection()
    kept, unkept = connection.execute(statements.payout_counts, params).one()
    asked = _Quantiles(params)
    first = statements.BRAND_DECISION if brand else statements.DECISION
    asked.ask(first, decided, qs)
    asked.ask(statements.PAYOUT, None if unkept else kept, qs)
    found = asked.read(connection, statements.brand_pairs if brand else statements.pairs)
    decisions = [found[first + i] for i in range(len(qs))]
    if unkept:
        return decisions, payout_delays(db_session=db_session, since=params["since"], quantiles=qs)
    return decisions, (kept, [found[statements.PAYOUT + i] for i in range(len(qs))])


def payout_delays(
    *, db_session: Session, since: datetime, quantiles: Sequence[float]
) -> tuple[int, list[float | None]]:
    """How many payout requests made since `since` were paid, and these quantiles of the
    seconds from request to payment, computed from the times where some were written paid
    without their delay kept (a test's rows, a restore's).

    Platform-wide: a payout pays a worker's whole balance, whichever brands it came from.
    """
    paid = [
        PayoutRequest.status == "paid",
        PayoutRequest.paid_at.is_not(None),
        PayoutRequest.requested_at >= since,
    ]
    seconds = func.coalesce(
        PayoutRequest.paid_after_seconds,
        seconds_between(PayoutRequest.requested_at, PayoutRequest.paid_at),
    )
    connection = db_session.connection()
    count = connection.execute(select(func.count(seconds)).where(*paid)).scalar_one()
    found: list[float | None] = []
    for q in quantiles:
        if not count:
            found.append(None)
            continue
        low, fraction = rules.rank(count, q)
        walked = select(seconds).where(*paid).order_by(seconds).offset(low).limit(2)
        pair: list[float] = list(connection.execute(walked).scalars())
        found.append(rules.interpolate(pair, fraction))
    return count, found


def brand_scorecard(
    *, db_session: Session, brand_id: str, now: datetime, days: int, settings: FairnessSettings
) -> dict[str, Any]:
    """How a brand treats workers over the window; 404 for a brand that does not exist."""
    window = _window(now, days)
    params = {"since": window["since"], "brand_id": brand_id}
    connection = db_session.connection()
    brand = connection.execute(statements.brand, params).first()
    if brand is None:
        raise not_found("brand")
    counted, _ = submission_counts(connection, params, brand=True)
    statuses = _total(status_counts(counted))
    appeals = Counter(dict(connection.execute(statements.brand_appeals, params).all()))
    rates = rules.campaign_rates(statuses, appeals)
    decided = sum(row.decided for row in counted)
    (decision_median,), (paid, (payout_median,)) = _delays(
        db_session, params, decided, (0.5,), brand=True
    )
    pay = rules.counted_pay_figures(hourly_pays(counted, settings), settings)
    return {
        "brand": {"id": brand.id, "name": brand.name},
        "window": window,
        "time_to_decision": {
            "count": decided,
            "median_seconds": decision_median,
        },
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
    params = {"since": window["since"]}
    connection = db_session.connection()
    progress("pay per active hour")
    counted, kept = submission_counts(connection, params, brand=False)
    pay = rules.counted_pay_figures(hourly_pays(counted, settings), settings)
    # The pay figures count full audits paid in the floor's currency; say how many approved
    # submissions that leaves out, so that the chart's count agrees with the data.
    approved = approved_outcomes(counted)
    pay |= {"approved": approved.total(), "store_closed": approved["store_closed"]}
    progress("open missions under the floor")
    floor = rules.floor_figures(connection.execute(statements.open_pay), settings)
    progress("time to decision")
    decided = sum(row.decided for row in counted)
    decision_times, paid = _delays(db_session, params, decided, statements.QUANTILES, brand=False)
    decisions = _delay_figures(decided, decision_times)
    progress("time to payout")
    payouts = _delay_figures(*paid)
    progress("rates per campaign")
    appeals = appeal_counts(connection, params, kept=kept)
    campaigns = _campaign_rows(counted, appeals, top)
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
    counted: list[Counted], appeals: dict[str, Counter[str]], top: int
) -> list[dict[str, Any]]:
    """The `top` campaigns by submissions received, most first, with their rates."""
    statuses = status_counts(counted)
    busiest = sorted(statuses, key=lambda cid: (-sum(statuses[cid].values()), cid))[:top]
    names = {row.campaign_id: row for row in counted}
    return [
        {
            "campaign_id": cid,
            "name": names[cid].name,
            "brand_id": names[cid].brand_id,
            **rules.campaign_rates(statuses[cid], appeals.get(cid, Counter())),
        }
        for cid in busiest
    ]
