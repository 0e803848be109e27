"""HTTP endpoints for campaigns (brand side): parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from backend.accounts.auth import BRAND_SIDE, auth, current_user, get_visible
from backend.accounts.service import acting_brand_id
from backend.campaigns import service
from backend.campaigns.models import Campaign
from backend.campaigns.schemas import CampaignIn, CampaignListOut, CampaignListQuery, CampaignOut
from backend.db import request_session

bp = APIBlueprint("campaigns", __name__, url_prefix="/api/v1", tag="Campaigns")


@bp.post("/campaigns")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.input(CampaignIn, arg_name="data")
@bp.output(CampaignOut, status_code=201)
@bp.doc(summary="Create a draft campaign, one mission per target store", responses=[401, 403, 422])
def create_campaign(data: dict[str, Any]) -> Any:
    session = request_session()
    brand_id = acting_brand_id(
        db_session=session, user=current_user(), brand_id=data.pop("brand_id")
    )
    reward = data.pop("reward")
    campaign = service.create_campaign(
        db_session=session,
        brand_id=brand_id,
        reward_amount_minor=reward["amount_minor"],
        reward_currency=reward["currency"],
        max_photos=int(current_app.config["SUBMISSION_MAX_PHOTOS"]),
        **data,
    )
    return service.get_campaign(db_session=session, user=current_user(), campaign_id=campaign.id)


@bp.get("/campaigns")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.input(CampaignListQuery, location="query", arg_name="query")
@bp.output(CampaignListOut)
@bp.doc(summary="The caller's campaigns, newest first", responses=[401, 403, 422])
def list_campaigns(query: dict[str, Any]) -> Any:
    return service.list_campaigns(db_session=request_session(), user=current_user(), **query)


@bp.get("/campaigns/<campaign_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.output(CampaignOut)
@bp.doc(summary="One of the caller's campaigns", responses=[401, 403, 404])
def get_campaign(campaign_id: str) -> Any:
    return service.get_campaign(
        db_session=request_session(), user=current_user(), campaign_id=campaign_id
    )


@bp.post("/campaigns/<campaign_id>/publish")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.output(CampaignOut)
@bp.doc(summary="Publish a draft: its missions open", responses=[401, 403, 404, 409, 422])
def publish_campaign(campaign_id: str) -> Any:
    session = request_session()
    campaign = get_visible(session, Campaign, campaign_id, current_user())
    service.publish_campaign(db_session=session, campaign=campaign)
    return service.get_campaign(db_session=session, user=current_user(), campaign_id=campaign_id)


@bp.post("/campaigns/<campaign_id>/cancel")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.output(CampaignOut)
@bp.doc(
    summary="Cancel: open missions close, claimed ones are honoured", responses=[401, 403, 404, 409]
)
def cancel_campaign(campaign_id: str) -> Any:
    session = request_session()
    campaign = get_visible(session, Campaign, campaign_id, current_user())
    service.cancel_campaign(db_session=session, campaign=campaign)
    return service.get_campaign(db_session=session, user=current_user(), campaign_id=campaign_id)
