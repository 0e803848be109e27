"""HTTP endpoints for campaigns (brand side): parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import String
from sqlalchemy.orm import Session

from backend.accounts.access import requires
from backend.accounts.auth import BRAND_SIDE, auth, current_user
from backend.accounts.service import acting_brand_id
from backend.campaigns import closures, edits, forms, queries, round_queries, rounds, service
from backend.campaigns.models import Campaign
from backend.campaigns.presenters import quote_out
from backend.campaigns.round_schemas import RoundListOut
from backend.campaigns.rules import CampaignDraft, pay_rules
from backend.campaigns.schemas import (
    CampaignIn,
    CampaignListOut,
    CampaignListQuery,
    CampaignOut,
    CampaignPatchIn,
    QuoteIn,
    QuoteOut,
)
from backend.db import read_snapshot, request_session
from backend.kernel.clock import utcnow
from backend.kernel.scoping import get_visible
from backend.organisations.acts import record_act
from backend.settings import current_settings

bp = APIBlueprint("campaigns", __name__, url_prefix="/api/v1", tag="Campaigns")


@bp.post("/campaigns")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:write")
@bp.input(CampaignIn, arg_name="data")
@bp.output(CampaignOut, status_code=201)
@bp.doc(
    summary="Create a draft campaign, one mission per target store",
    description=(
        "`questions` is the form the worker answers (types count, yes_no, single_choice, "
        "multiple_choice, price, text, date, photo, barcode; per product or per store; "
        "`show_if` resting on an earlier question). Left out, the campaign asks today's "
        "products: per product `count`, `out_of_stock` and an optional `price`. A bad "
        "question is 422 naming `questions.<index>.<field>`. Publishing judges the pay on "
        "the longer of `est_minutes` and the form's time (`form_minutes`). `schedule: "
        "{every_days}` (1 to 365; 422 naming `schedule.every_days`) makes it recurring: a "
        "new round of missions every so many days from publishing (see the rounds)."
    ),
    responses=[401, 403, 422],
)
def create_campaign(data: dict[str, Any]) -> Any:
    session = request_session()
    brand_id = acting_brand_id(
        db_session=session, user=current_user(), brand_id=data.pop("brand_id")
    )
    campaign = service.create_campaign(
        db_session=session,
        brand_id=brand_id,
        draft=CampaignDraft.from_body(data),
        max_photos=current_settings().submission_max_photos,
    )
    _audit(session, campaign, "campaign.created", {"name": campaign.name})
    return queries.campaign(db_session=session, user=current_user(), campaign_id=campaign.id)


@bp.post("/campaigns/quote")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:read")
@bp.input(QuoteIn, arg_name="data")
@bp.output(QuoteOut, description="What publishing would say of this reward")
@bp.doc(
    summary="Check a reward against the pay floor before publishing (nothing is stored)",
    description=(
        "The same rule publishing applies: the reward over `est_minutes` plus the travel "
        "allowance (`travel_minutes`) against FAIRFIELD_MIN_HOURLY. `passes` is what "
        "publishing a campaign of this reward (without bonuses) would decide; "
        "`least_passing_reward` is the least reward it accepts. `store_ids`, if given, must "
        "each be the brand's (an admin names the brand with `brand_id`). The form "
        "(`questions`, the default one if left out, over the `products` given, one if left "
        "out) is timed: `form_minutes`; the rate is figured over the longer of that and "
        "`est_minutes`, as publishing does. Bad input is 422 naming the field "
        "(`reward.amount_minor`, `reward.currency`, `est_minutes`, `store_ids`, "
        "`questions.<index>.<field>`); a currency the floor is not set in is 422 "
        "`pay_floor_currency`."
    ),
    responses=[401, 403, 422],
)
def quote_campaign(data: dict[str, Any]) -> Any:
    pay = pay_rules(current_settings())
    products = len(data["products"]) if data["products"] else 1
    # Nothing is written: the reads run apart from any write lock.
    with read_snapshot() as snapshot:
        brand_id = None
        if data["store_ids"] is not None or data["brand_id"] is not None:
            brand_id = acting_brand_id(
                db_session=snapshot, user=current_user(), brand_id=data["brand_id"]
            )
        quote = service.quote_pay(
            db_session=snapshot,
            brand_id=brand_id,
            reward=data["reward"],
            est_minutes=data["est_minutes"],
            store_ids=data["store_ids"],
            questions=data["questions"],
            products=products,
            pay=pay,
        )
    form_minutes = forms.form_minutes(forms.normal_questions(data["questions"]), products)
    return quote_out(quote, currency=data["reward"]["currency"], pay=pay, form_minutes=form_minutes)


@bp.get("/campaigns")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:read")
@bp.input(CampaignListQuery, location="query", arg_name="query")
@bp.output(CampaignListOut)
@bp.doc(summary="The caller's campaigns, newest first", responses=[401, 403, 422])
def list_campaigns(query: dict[str, Any]) -> Any:
    return queries.campaigns_page(db_session=request_session(), user=current_user(), **query)


@bp.get("/campaigns/<campaign_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:read")
@bp.output(CampaignOut)
@bp.doc(summary="One of the caller's campaigns", responses=[401, 403, 404])
def get_campaign(campaign_id: str) -> Any:
    return queries.campaign(
        db_session=request_session(), user=current_user(), campaign_id=campaign_id
    )


@bp.patch("/campaigns/<campaign_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:write")
@bp.input(CampaignPatchIn, arg_name="data")
@bp.output(CampaignOut)
@bp.doc(
    summary="Edit a campaign: a draft freely; a published one only later, richer or wider",
    description=(
        "A draft: any field (`schedule` too: null makes it one round); `store_ids` replaces "
        "the set (missions follow). A published "
        "campaign: `ends_at` later than now and than today's, `reward` raised (its open and "
        "claimed missions pay it, and so does a mission that reopens later; approved ones "
        "keep what they were paid), `store_ids` a superset (new stores open at once); each "
        "change is funded. Any other field with a new value is 422 naming it; a reward under "
        "the pay floor is 422 `below_pay_floor` (a draft is only held to the floor at "
        "publishing), and so is an `ends_at` extension of a campaign under a floor that rose "
        "since it was published (naming `ends_at` and the reward that passes). A cancelled "
        "campaign is 409 `campaign_cancelled`."
    ),
    responses=[401, 403, 404, 409, 422],
)
def edit_campaign(campaign_id: str, data: dict[str, Any]) -> Any:
    session = request_session()
    campaign = get_visible(session, Campaign, campaign_id, current_user())
    fields = sorted(data)  # before the edit reads (and may take from) the changes
    edits.edit_campaign(
        db_session=session,
        campaign=campaign,
        changes=data,
        now=utcnow(),
        max_photos=current_settings().submission_max_photos,
    )
    _audit(session, campaign, "campaign.updated", {"fields": fields})
    return queries.campaign(db_session=session, user=current_user(), campaign_id=campaign_id)


@bp.post("/campaigns/<campaign_id>/publish")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:write")
@bp.output(CampaignOut)
@bp.doc(summary="Publish a draft: its missions open", responses=[401, 403, 404, 409, 422])
def publish_campaign(campaign_id: str) -> Any:
    session = request_session()
    campaign = get_visible(session, Campaign, campaign_id, current_user())
    service.publish_campaign(db_session=session, campaign=campaign)
    _audit(session, campaign, "campaign.published")
    return queries.campaign(db_session=session, user=current_user(), campaign_id=campaign_id)


@bp.post("/campaigns/<campaign_id>/cancel")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:write")
@bp.output(CampaignOut)
@bp.doc(
    summary="Cancel: open missions close, claimed ones are honoured",
    description="A recurring campaign opens no more rounds; claimed missions of any round "
    "are honoured, and what the unclaimed ones held goes back to the organisation's balance "
    "(a mission whose rejection may still be appealed, or is under appeal, closes once that "
    "is settled).",
    responses=[401, 403, 404, 409],
)
def cancel_campaign(campaign_id: str) -> Any:
    session = request_session()
    campaign = get_visible(session, Campaign, campaign_id, current_user())
    service.cancel_campaign(db_session=session, campaign=campaign)
    if campaign.schedule is not None:  # its rounds were funded from the balance: give back
        rounds.close_over(db_session=session, campaign=campaign, now=utcnow())
    _audit(session, campaign, "campaign.cancelled")
    return queries.campaign(db_session=session, user=current_user(), campaign_id=campaign_id)


@bp.get("/campaigns/<campaign_id>/rounds")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("results:read")
@bp.output(RoundListOut)
@bp.doc(
    summary="The rounds a campaign opened: when, what each paid in, and its missions",
    description=(
        "Oldest first; every published campaign has round 1 (opened at publishing). A "
        "recurring campaign (`schedule: {every_days}`) opens round N+1 once "
        "`published_at + N * every_days` days have passed, while it is published and before "
        "`ends_at`: one mission per store, funded from the organisation's balance (`funded`). "
        "Opening it closes the rounds before: their unclaimed missions are cancelled and "
        "what they held goes back to the balance; claimed ones are honoured. A mission a "
        "rejection re-opened stays open while that rejection may still be appealed "
        "(`FAIRFIELD_APPEAL_WINDOW_DAYS`) or is under appeal (a granted appeal is paid from "
        "what it holds), and closes at a later check once settled. Once `ends_at` has "
        "passed, or the campaign is cancelled, the last round's unclaimed missions close "
        "likewise and what they held goes back to the balance, once. A round the "
        "balance cannot cover does not open: the campaign's `rounds.hold` says why "
        "(`insufficient_balance`) and `campaign.budget_low` is sent once. Missions by state: "
        "`open`, `claimed`, `submitted`, `approved` (a closed store included) and `closed` "
        "(cancelled or expired)."
    ),
    responses=[401, 403, 404],
)
def list_rounds(campaign_id: str) -> Any:
    return round_queries.campaign_rounds(
        db_session=request_session(), user=current_user(), campaign_id=campaign_id
    )


def _audit(
    session: Session, campaign: Campaign, action: str, detail: dict[str, Any] | None = None
) -> None:
    """Write the act to the campaign's organisation's audit log, in this transaction."""
    record_act(
        db_session=session,
        brand_id=campaign.brand_id,
        action=action,
        target_type="campaign",
        target_id=campaign.id,
        detail=detail,
    )


class ReopenedOut(Schema):
    """A re-opened mission: open again for a new worker."""

    id = String()
    campaign_id = String()
    status = String()


@bp.post("/missions/<mission_id>/reopen")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("campaigns:write")
@bp.output(ReopenedOut)
@bp.doc(
    summary="Re-open a mission a worker found closed: it is open to a new worker",
    description=(
        "Only a `store_closed` mission of a published campaign that has not ended (409 "
        "`not_store_closed`, `campaign_not_published`, `campaign_ended`). The show-up pay "
        "already paid stays paid; the campaign is funded by as much again. A mission closed "
        "before a raise reopens at the campaign's reward of today, funded by the difference."
    ),
    responses=[401, 403, 404, 409],
)
def reopen_mission(mission_id: str) -> Any:
    return closures.reopen_mission(
        db_session=request_session(), user=current_user(), mission_id=mission_id, now=utcnow()
    )
