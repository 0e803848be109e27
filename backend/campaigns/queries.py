"""What the API shows of campaigns: one or a page, each with its mission counts and spend.

Reads only; `campaign_out` shapes a row with its counts and spend for CampaignOut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from backend.accounts.models import User
from backend.campaigns import aggregates, forms, round_rules
from backend.campaigns.models import Campaign
from backend.campaigns.schedules import current_rounds, schedule_out
from backend.kernel.scoping import get_visible, scoped
from backend.ledger import rules as ledger_rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Mission
from backend.pagination import page, paginate


def mission_counts(
    *, db_session: Session, campaign_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Missions per status for each campaign, in one grouped query."""
    counts: dict[str, dict[str, int]] = {cid: {} for cid in campaign_ids}
    if campaign_ids:
        rows = db_session.execute(
            select(Mission.campaign_id, Mission.status, func.count())
            .where(Mission.campaign_id.in_(campaign_ids))
            .group_by(Mission.campaign_id, Mission.status)
        )
        for campaign_id, status, n in rows:
            counts[campaign_id][status] = n
    return counts


def campaigns_page(
    *, db_session: Session, user: User, limit: int, cursor: str | None, status: str | None
) -> dict[str, Any]:
    """The caller's campaigns, newest first, a page at a time."""
    # Each campaign's schedule in one more query, not one per campaign as campaign_out reads it.
    stmt = scoped(select(Campaign), Campaign, user).options(selectinload(Campaign.schedule))
    if status:
        stmt = stmt.where(Campaign.status == status)
    rows = db_session.scalars(paginate(stmt, Campaign, limit=limit, cursor=cursor)).all()
    result = page(rows, limit=limit)
    return result | {"items": _with_totals(db_session, result["items"])}


def campaign(*, db_session: Session, user: User, campaign_id: str) -> dict[str, Any]:
    """One campaign the caller may see, with its mission counts and spend; 404 otherwise."""
    found = get_visible(db_session, Campaign, campaign_id, user)
    return _with_totals(db_session, [found])[0]


def spend(
    *, db_session: Session, campaigns: Sequence[Campaign]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Funded, spent and remaining for each campaign, from its ledger account's entries
    summed by transaction kind in one grouped query."""
    accounts = {ledger_rules.campaign_account(c.id): c for c in campaigns}
    sums: dict[str, dict[str, int]] = {c.id: {} for c in campaigns}
    if accounts:
        rows = db_session.execute(
            select(
                LedgerEntry.account,
                LedgerEntry.currency,
                LedgerTransaction.kind,
                func.sum(LedgerEntry.amount_minor),
            )
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.account.in_(list(accounts)))
            .group_by(LedgerEntry.account, LedgerEntry.currency, LedgerTransaction.kind)
        )
        for account, currency, kind, total in rows:
            campaign = accounts[account]
            # A campaign is budgeted in its reward's currency; nothing else is its money.
            if currency == campaign.reward_currency:
                sums[campaign.id][kind] = int(total)
    return {c.id: aggregates.spend(sums[c.id], c.reward_currency) for c in campaigns}


def campaign_out(
    campaign: Campaign,
    *,
    missions: dict[str, int],
    spent: dict[str, dict[str, Any]],
    current_round: int | None = None,
) -> dict[str, Any]:
    """A campaign as CampaignOut shows it: its fields, missions by status, its spend, its
    schedule and (once published) where its rounds stand."""
    return {
        "id": campaign.id,
        "brand_id": campaign.brand_id,
        "name": campaign.name,
        "instructions": campaign.instructions,
        "photo_instructions": campaign.photo_instructions,
        "products": campaign.products,
        "photos_required": campaign.photos_required,
        "review_required": campaign.review_required,
        "reward": campaign.reward,
        "est_minutes": campaign.est_minutes,
        "questions": campaign.questions,
        "form_minutes": forms.form_minutes(campaign.questions, len(campaign.products)),
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "status": campaign.status,
        "created_at": campaign.created_at,
        "published_at": campaign.published_at,
        "missions": missions,
        "spend": spent,
        "schedule": schedule_out(campaign),
        "rounds": _rounds_state(campaign, current_round),
    }


def _rounds_state(campaign: Campaign, current_round: int | None) -> dict[str, Any] | None:
    if campaign.published_at is None or current_round is None:
        return None
    schedule, next_at = campaign.schedule, None
    if schedule is not None and campaign.status == "published":
        due = round_rules.round_opens_at(
            published_at=campaign.published_at,
            every_days=schedule.every_days,
            round_no=current_round + 1,
        )
        next_at = due if due < campaign.ends_at else None
    hold = None
    if schedule is not None and schedule.hold is not None:
        hold = {
            "code": schedule.hold,
            "detail": round_rules.HOLDS.get(schedule.hold, schedule.hold),
            "since": schedule.hold_since,
        }
    return {"current": current_round, "next_opens_at": next_at, "hold": hold}


def _with_totals(db_session: Session, campaigns: Sequence[Campaign]) -> list[dict[str, Any]]:
    counts = mission_counts(db_session=db_session, campaign_ids=[c.id for c in campaigns])
    spends = spend(db_session=db_session, campaigns=campaigns)
    rounds = current_rounds(db_session=db_session, campaign_ids=[c.id for c in campaigns])
    return [
        campaign_out(c, missions=counts[c.id], spent=spends[c.id], current_round=rounds.get(c.id))
        for c in campaigns
    ]
