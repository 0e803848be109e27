"""Editing a campaign: a draft changes freely; a published one only for the better, funded.

A draft's missions follow its fields (reward, bonuses) and its `store_ids`, which replace the
set. A published campaign may end later, pay more or add stores: the open and claimed
missions take the higher reward (campaigns.rewards; a mission already submitted keeps the
reward it was done for until it reopens, and a credit pays the reward the mission had when it
was approved), new stores open at once, and each change pays its cost into the campaign's
account, as publishing does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from backend.campaigns import rules
from backend.campaigns.models import Campaign, CampaignProduct
from backend.campaigns.rewards import MISSION_PAY, lift_missions
from backend.campaigns.schedules import current_rounds, schedule_out, set_schedule
from backend.campaigns.service import (
    brand_stores,
    check_pay_floor,
    draft_columns,
    insert_missions,
    lock_campaign,
    pay_minutes,
)
from backend.errors import Conflict, Invalid
from backend.kernel.money import format_money
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.settings import current_settings

# Missions a raise reaches: nobody has handed in work for them yet.
RAISED_STATUSES = ("open", "claimed")


def edit_campaign(
    *,
    db_session: Session,
    campaign: Campaign,
    changes: Mapping[str, Any],
    now: datetime,
    max_photos: int = rules.PHOTOS_MAX,
    pay: rules.PayRules | None = None,
) -> Campaign:
    """Apply a PATCH to a campaign: any field of a draft; a later `ends_at`, a higher
    `reward` or more `store_ids` of a published one, each funded. Nothing is written unless
    all of it is valid; a cancelled campaign is 409 `campaign_cancelled`."""
    lock_campaign(db_session=db_session, campaign=campaign)
    if campaign.status == "cancelled":
        raise Conflict("A cancelled campaign cannot be edited.", code="campaign_cancelled")
    current = _current(db_session, campaign)
    if campaign.status == "draft":
        _edit_draft(db_session, campaign, current, changes, now, max_photos)
    else:
        _edit_published(
            db_session, campaign, current, changes, now, pay or rules.pay_rules(current_settings())
        )
    db_session.flush()
    db_session.expire(campaign, ["products"])  # read back in SKU order
    return campaign


def _current(db_session: Session, campaign: Campaign) -> dict[str, Any]:
    """The campaign as a PATCH body would state it, for merging and comparing."""
    # A recurring campaign's stores (and their bonuses) are its latest round's.
    latest = (
        select(func.max(Mission.round)).where(Mission.campaign_id == campaign.id).scalar_subquery()
    )
    missions = db_session.execute(
        select(Mission.store_id, Mission.bonus_minor).where(
            Mission.campaign_id == campaign.id, Mission.round == latest
        )
    ).all()
    currency = campaign.reward_currency
    return {
        "name": campaign.name,
        "instructions": campaign.instructions,
        "photo_instructions": campaign.photo_instructions,
        "products": [{"sku": p.sku, "name": p.name} for p in campaign.products],
        "photos_required": campaign.photos_required,
        "review_required": campaign.review_required,
        "reward": campaign.reward,
        "est_minutes": campaign.est_minutes,
        "questions": campaign.questions,
        "schedule": schedule_out(campaign),
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "store_ids": [m.store_id for m in missions],
        "bonuses": [
            {
                "store_id": m.store_id,
                "amount": {"amount_minor": m.bonus_minor, "currency": currency},
            }
            for m in missions
            if m.bonus_minor
        ],
    }


def _edit_draft(
    db_session: Session,
    campaign: Campaign,
    current: dict[str, Any],
    changes: Mapping[str, Any],
    now: datetime,
    max_photos: int,
) -> None:
    draft = _valid_draft(current, changes, max_photos)
    kept = set(current["store_ids"])
    added = brand_stores(db_session, campaign.brand_id, draft.store_ids, kept)
    # Valid: from here on, writes.
    for column, value in draft_columns(draft).items():
        setattr(campaign, column, value)
    set_schedule(campaign, draft.schedule)
    _set_products(campaign, draft.products)
    removed = kept - set(draft.store_ids)
    if removed:
        # A draft's missions were never open: nothing else refers to them.
        db_session.connection().execute(
            delete(Mission).where(
                Mission.campaign_id == campaign.id,
                Mission.store_id.in_(removed),
                Mission.status == "draft",
            )
        )
    insert_missions(db_session=db_session, campaign=campaign, stores=added, status="draft", now=now)
    _set_draft_pay(db_session, campaign, draft.bonuses)


def _valid_draft(
    current: dict[str, Any], changes: Mapping[str, Any], max_photos: int
) -> rules.CampaignDraft:
    """The draft as it would be after the edit, held to the rules a new campaign is; 422
    naming every field in error."""
    merged = current | dict(changes)
    if "bonuses" not in changes:  # bonuses stay with the stores that stay
        targets = set(merged["store_ids"])
        merged["bonuses"] = [b for b in current["bonuses"] if b["store_id"] in targets]
    draft = rules.CampaignDraft.from_body(merged)
    errors = rules.campaign_problems(draft, max_photos=max_photos)
    if errors:
        raise Invalid("The campaign is not valid.", errors=errors)
    return draft


def _set_draft_pay(
    db_session: Session, campaign: Campaign, bonuses: Sequence[Mapping[str, Any]]
) -> None:
    """Every draft mission takes the campaign's reward, and its store's bonus if any."""
    connection = db_session.connection()
    connection.execute(
        update(Mission)
        .where(Mission.campaign_id == campaign.id)
        .values(
            reward_amount_minor=campaign.reward_amount_minor,
            reward_currency=campaign.reward_currency,
            bonus_minor=0,
        )
    )
    if bonuses:
        connection.execute(
            update(Mission)
            .where(Mission.campaign_id == campaign.id, Mission.store_id == bindparam("b_store"))
            .values(bonus_minor=bindparam("b_bonus")),
            [{"b_store": b["store_id"], "b_bonus": b["amount"]["amount_minor"]} for b in bonuses],
        )


def _set_products(campaign: Campaign, products: Sequence[Mapping[str, Any]]) -> None:
    """Products matched by SKU: a kept SKU is renamed in place (a delete and insert of the
    same SKU would meet the unique index mid-flush), the others removed or added."""
    wanted = {str(p["sku"]).strip(): p["name"] for p in products}
    for product in list(campaign.products):
        if product.sku in wanted:
            product.name = wanted.pop(product.sku)
        else:
            campaign.products.remove(product)
    campaign.products.extend(CampaignProduct(sku=sku, name=name) for sku, name in wanted.items())


def _edit_published(
    db_session: Session,
    campaign: Campaign,
    current: dict[str, Any],
    changes: Mapping[str, Any],
    now: datetime,
    pay: rules.PayRules,
) -> None:
    errors = rules.published_edit_problems(current=current, changes=changes, now=now)
    if errors:
        raise Invalid(
            "A published campaign can only end later, pay more or add stores.", errors=errors
        )
    changed = rules.changed_fields(current, changes)
    if not changed and "reward" not in changes:
        return
    added = brand_stores(
        db_session, campaign.brand_id, changes.get("store_ids", ()), set(current["store_ids"])
    )
    reward = int(changes.get("reward", current["reward"])["amount_minor"])
    # Locked: a claim or a hand-in waits, so a mission raised here is one nobody has done.
    live = db_session.execute(
        select(*MISSION_PAY)
        .where(Mission.campaign_id == campaign.id, Mission.status.in_(RAISED_STATUSES))
        .with_for_update()
    ).all()
    if changed:
        # Every mission open for claiming after the edit is held to the floor, as at
        # publishing.
        bonus_counts = Counter(m.bonus_minor for m in live) + Counter({0: len(added)})
        _check_floor(campaign, reward, dict(bonus_counts), changed, pay)
    if "ends_at" in changed:
        campaign.ends_at = changes["ends_at"]
    # The reward given again lifts any open mission still under it (one reopened before
    # reopening lifted missions): a raise reaches every open and claimed mission.
    lift_missions(
        db_session=db_session,
        campaign_id=campaign.id,
        currency=campaign.reward_currency,
        missions=live,
        reward=reward,
        now=now,
        memo=f"reward raised to {format_money(reward, campaign.reward_currency)}",
        pay=pay,
    )
    campaign.reward_amount_minor = reward
    _open_stores(db_session, campaign, added, now, pay)


def _open_stores(
    db_session: Session,
    campaign: Campaign,
    stores: Sequence[Any],
    now: datetime,
    pay: rules.PayRules,
) -> None:
    """New stores of a published campaign: their missions open at once, funded."""
    if not stores:
        return
    # They join the round running now; the rounds after it take them in as every store.
    round_no = current_rounds(db_session=db_session, campaign_ids=[campaign.id]).get(campaign.id, 1)
    insert_missions(
        db_session=db_session,
        campaign=campaign,
        stores=stores,
        status="open",
        now=now,
        pay=pay,
        round_no=round_no,
    )
    ledger.fund_campaign(
        db_session=db_session,
        campaign_id=campaign.id,
        amount_minor=campaign.reward_amount_minor * len(stores),
        currency=campaign.reward_currency,
        now=now,
        memo=f"{len(stores)} stores added",
    )


def _check_floor(
    campaign: Campaign,
    reward: int,
    bonus_counts: dict[int, int],
    changed: Sequence[str],
    pay: rules.PayRules,
) -> None:
    """The pay floor, as at publishing. A campaign left under today's floor (it rose since
    publishing) may not run longer either: the refusal of a mere extension says so and names
    `ends_at` beside the reward that would let it through."""
    try:
        check_pay_floor(
            reward_minor=reward,
            currency=campaign.reward_currency,
            est_minutes=pay_minutes(campaign),
            bonus_counts=bonus_counts,
            pay=pay,
        )
    except Invalid as refused:
        if set(changed) != {"ends_at"}:
            raise
        least = refused.extra["least_reward"]["amount_minor"]
        raise Invalid(
            "This campaign pays under today's pay floor, which rose since it was published, "
            "so it cannot run longer as it is: " + refused.detail + " Raise the reward with "
            "the new ends_at, in the same edit.",
            errors={
                "ends_at": [
                    f"Cannot extend a campaign that pays under today's floor; raise the reward "
                    f"to at least {least} with it."
                ],
                **refused.errors,
            },
            code=refused.code,
            extra=refused.extra,
        ) from None
