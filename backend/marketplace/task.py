"""The task a mission sets its worker: the products, the form's questions, the photos, the
brand's instructions. Read per campaign, since every mission of a campaign sets the same task."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.campaigns.models import Campaign, CampaignProduct
from backend.missions.models import Mission

# What a count means, said once for every product: workers counted units, shelves and
# packs alike until this was written down.
COUNTING = {
    "unit": "facing",
    "definition": (
        "A facing is one unit of a product in the front row of its shelf, its front towards "
        "the shopper. Count the front row only: units behind it or stacked on it are not "
        "facings."
    ),
    "answer": (
        "One answer per product, by its sku: count (the facings, 0 or more) and out_of_stock "
        "(true only when the count is 0); price is optional. Each answer is "
        "{question_id, sku, value} (the old {sku, count, out_of_stock, price} still works); "
        "a form of other questions is answered likewise, question by question."
    ),
}


# Products and questions per campaign for a page of the nearby list, in one driver query:
# the list is the hottest read, and going through SQLAlchemy would double the cost of this
# one too.
def summary(*, products: int, questions: int, photos_required: int) -> dict[str, int]:
    """The task in counts, as the nearby list shows it."""
    return {"products": products, "questions": questions, "photos_required": photos_required}


def by_campaign(*, db_session: Session, campaign_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The whole task of each campaign, in two queries whatever their number."""
    if not campaign_ids:
        return {}
    ids = list(campaign_ids)
    tasks: dict[str, dict[str, Any]] = {
        campaign_id: {
            "products": [],
            "counting": COUNTING,
            "questions": questions,
            "photos_required": photos_required,
            "photo_instructions": photo_instructions,
            "instructions": instructions,
        }
        for campaign_id, questions, photos_required, photo_instructions, instructions in (
            db_session.execute(
                select(
                    Campaign.id,
                    Campaign.questions,
                    Campaign.photos_required,
                    Campaign.photo_instructions,
                    Campaign.instructions,
                ).where(Campaign.id.in_(ids))
            )
        )
    }
    products = db_session.execute(
        select(CampaignProduct.campaign_id, CampaignProduct.sku, CampaignProduct.name)
        .where(CampaignProduct.campaign_id.in_(ids))
        .order_by(CampaignProduct.campaign_id, CampaignProduct.sku)
    )
    for campaign_id, sku, name in products:
        tasks[campaign_id]["products"].append({"sku": sku, "name": name})
    return tasks


def by_mission(*, db_session: Session, mission_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """The whole task of each mission, by mission id."""
    if not mission_ids:
        return {}
    rows = db_session.execute(
        select(Mission.id, Mission.campaign_id).where(Mission.id.in_(list(mission_ids)))
    )
    campaign_of: dict[str, str] = dict(rows.all())
    tasks = by_campaign(db_session=db_session, campaign_ids=set(campaign_of.values()))
    return {mission_id: tasks[campaign_id] for mission_id, campaign_id in campaign_of.items()}


def of_mission(*, db_session: Session, mission_id: str) -> dict[str, Any]:
    """The whole task of one mission."""
    return by_mission(db_session=db_session, mission_ids=[mission_id])[mission_id]
