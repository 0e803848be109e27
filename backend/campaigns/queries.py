"""What the API shows of campaigns: one or a page, each with its mission counts and spend.

Reads only. The counts and spend ride on the Campaign rows as `missions` and `spend`, which
CampaignOut shows beside the row's own fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns import aggregates
from backend.campaigns.models import Campaign
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
    stmt = scoped(select(Campaign), Campaign, user)
    if status:
        stmt = stmt.where(Campaign.status == status)
    rows = db_session.scalars(paginate(stmt, Campaign, limit=limit, cursor=cursor)).all()
    result = page(rows, limit=limit)
    _attach_totals(db_session, result["items"])
    return result


def campaign(*, db_session: Session, user: User, campaign_id: str) -> Campaign:
    """One campaign the caller may see, with its mission counts and spend; 404 otherwise."""
    campaign = get_visible(db_session, Campaign, campaign_id, user)
    _attach_totals(db_session, [campaign])
    return campaign


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


def _attach_totals(db_session: Session, campaigns: Sequence[Campaign]) -> None:
    counts = mission_counts(db_session=db_session, campaign_ids=[c.id for c in campaigns])
    spends = spend(db_session=db_session, campaigns=campaigns)
    for campaign in campaigns:
        campaign.missions = counts[campaign.id]  # type: ignore[attr-defined]
        campaign.spend = spends[campaign.id]  # type: ignore[attr-defined]
