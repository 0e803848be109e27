"""Rounds compared: per store and round, the skus its approved result found out of stock.

Here, above campaigns, because the answers are the approved submissions'. Read from the
answers to the form's `out_of_stock` question (per product, yes or no), the default form's
and today's old answers alike; nothing about the worker is read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns.models import Campaign, CampaignRound
from backend.kernel.scoping import get_visible
from backend.missions.models import Mission
from backend.stores.models import Store
from backend.submissions.answers import normal_answers
from backend.submissions.models import Submission

OUT_OF_STOCK = "out_of_stock"  # the question's id (campaigns.forms.DEFAULT_QUESTIONS)


def out_of_stock_trend(*, db_session: Session, user: User, campaign_id: str) -> dict[str, Any]:
    """Per store (by name) and per round opened, the skus out of stock: an empty list when
    none was, None when the round has no approved result with answers (not visited yet, or
    the store was found closed). 404 unless the caller's campaign (OutOfStockTrendOut)."""
    campaign = get_visible(db_session, Campaign, campaign_id, user)
    rounds = list(
        db_session.scalars(
            select(CampaignRound.round)
            .where(CampaignRound.campaign_id == campaign.id)
            .order_by(CampaignRound.round)
        )
    )
    stores = db_session.execute(
        select(Store.id, Store.name)
        .where(Store.id.in_(select(Mission.store_id).where(Mission.campaign_id == campaign.id)))
        .order_by(Store.name, Store.id)
    ).all()
    found = _found(db_session, campaign.id)
    return {
        "campaign_id": campaign.id,
        "rounds": rounds,
        "items": [
            {
                "store": {"id": store_id, "name": name},
                "rounds": [{"round": n, "out_of_stock": found.get((store_id, n))} for n in rounds],
            }
            for store_id, name in stores
        ],
    }


def _found(db_session: Session, campaign_id: str) -> dict[tuple[str, int], list[str]]:
    """(store, round) -> the skus out of stock in its standing approved result: of several
    (an appeal granted after a reopen), the latest visit, as the results take it."""
    rows = db_session.execute(
        select(Mission.store_id, Mission.round, Submission.answers)
        .join(Submission, Submission.mission_id == Mission.id)
        .where(
            Mission.campaign_id == campaign_id,
            Submission.status == "approved",
            Submission.outcome == "completed",  # a closed store counted nothing
        )
        .order_by(Mission.store_id, Mission.round, Submission.captured_at.desc())
    )
    found: dict[tuple[str, int], list[str]] = {}
    for store_id, round_no, answers in rows:
        if (store_id, round_no) in found:
            continue
        found[(store_id, round_no)] = sorted(
            str(a["sku"])
            for a in normal_answers(answers)
            if a["question_id"] == OUT_OF_STOCK and a.get("sku") is not None and a["value"] is True
        )
    return found
