"""Campaign services: create with one mission per store, publish, cancel (reads: queries.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, case, func, literal, select
from sqlalchemy.orm import Session

from backend.campaigns import forms, rules, schedules
from backend.campaigns.models import Campaign, CampaignProduct
from backend.errors import Conflict, Invalid
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.kernel.money import format_money
from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.missions import states as missions
from backend.missions.models import Mission
from backend.settings import current_settings
from backend.stores.models import Store


def create_campaign(
    *,
    db_session: Session,
    brand_id: str,
    draft: rules.CampaignDraft,
    max_photos: int = rules.PHOTOS_MAX,
) -> Campaign:
    """Create a draft campaign and its missions, one per target store, inserted in bulk;
    the draft's `bonuses` ({store_id, amount}) add to the reward at their stores."""
    errors = rules.campaign_problems(draft, max_photos=max_photos)
    if errors:
        raise Invalid("The campaign is not valid.", errors=errors)
    stores = brand_stores(db_session, brand_id, draft.store_ids)
    campaign = Campaign(
        brand_id=brand_id,
        **draft_columns(draft),
        products=[
            CampaignProduct(sku=str(p["sku"]).strip(), name=p["name"]) for p in draft.products
        ],
    )
    schedules.set_schedule(campaign, draft.schedule)
    db_session.add(campaign)
    db_session.flush()
    insert_missions(
        db_session=db_session,
        campaign=campaign,
        stores=stores,
        status="draft",
        now=utcnow(),
        bonuses={b["store_id"]: b["amount"]["amount_minor"] for b in draft.bonuses},
    )
    return campaign


def draft_columns(draft: rules.CampaignDraft) -> dict[str, Any]:
    """The campaign's own columns as the draft sets them (products and stores aside)."""
    return {
        "name": draft.name.strip(),
        "instructions": draft.instructions,
        "photo_instructions": rules.normal_photo_instructions(draft.photo_instructions),
        "photos_required": draft.photos_required,
        "review_required": draft.review_required,
        "reward_amount_minor": draft.reward_amount_minor,
        "reward_currency": draft.reward_currency,
        "est_minutes": draft.est_minutes,
        "questions": forms.normal_questions(draft.questions),
        "starts_at": draft.starts_at,
        "ends_at": draft.ends_at,
    }


def brand_stores(
    db_session: Session, brand_id: str, store_ids: Sequence[str], kept: Set[str] = frozenset()
) -> list[Any]:
    """The stores of `store_ids` not among `kept` (rows of id, latitude, longitude), each the
    brand's; 422 naming store_ids for any that is not."""
    new = [sid for sid in store_ids if sid not in kept]
    if not new:
        return []
    stores = db_session.execute(
        select(Store.id, Store.latitude, Store.longitude).where(
            Store.id.in_(new), Store.brand_id == brand_id
        )
    ).all()
    found = {s.id for s in stores}
    missing = [sid for sid in new if sid not in found]
    if missing:
        raise Invalid(
            "Some stores do not exist or belong to another brand.",
            errors={"store_ids": [f"Unknown store: {sid}" for sid in missing[:20]]},
        )
    return list(stores)


def insert_missions(
    *,
    db_session: Session,
    campaign: Campaign,
    stores: Sequence[Any],
    status: str,
    now: datetime,
    bonuses: Mapping[str, int] | None = None,
    pay: rules.PayRules | None = None,
    round_no: int = 1,
) -> None:
    """One mission per store (rows of id, latitude, longitude), in one bulk insert, at the
    campaign's reward plus the store's bonus; with `pay`, each with its show-up pay (an open
    mission), without it none yet (a draft's, figured at publishing); all of `round_no`."""
    if not stores:
        return
    bonuses = bonuses or {}
    reward = campaign.reward_amount_minor
    missions.insert_new(
        db_session,
        status=status,
        rows=[
            {
                "id": new_id(),
                "campaign_id": campaign.id,
                "store_id": s.id,
                "brand_id": campaign.brand_id,
                "latitude": s.latitude,
                "longitude": s.longitude,
                "reward_amount_minor": reward,
                "reward_currency": campaign.reward_currency,
                "bonus_minor": bonuses.get(s.id, 0),
                "show_up_minor": (
                    show_up_pay(reward + bonuses.get(s.id, 0), pay) if pay is not None else None
                ),
                "created_at": now,
                "round": round_no,
            }
            for s in stores
        ],
    )


def show_up_pay(pay_minor: int, pay: rules.PayRules) -> int:
    """The show-up pay of a mission paying `pay_minor` (reward and bonus), by the settings."""
    return ledger_rules.show_up_pay(
        pay_minor, pay.show_up_share_percent, pay.show_up_min.amount_minor
    )


def publish_campaign(
    *, db_session: Session, campaign: Campaign, pay: rules.PayRules | None = None
) -> Campaign:
    """Move a draft campaign to published and open its missions, each with its show-up pay,
    unless a mission would pay under the floor; `pay` defaults to the app's settings."""
    lock_campaign(db_session=db_session, campaign=campaign)
    if campaign.status != "draft":
        raise Conflict(
            f"Only a draft campaign can be published; this one is {campaign.status}.",
            code="campaign_not_draft",
        )
    pay = pay or rules.pay_rules(current_settings())
    bonus_counts: dict[int, int] = dict(
        db_session.execute(
            select(Mission.bonus_minor, func.count())
            .where(Mission.campaign_id == campaign.id, Mission.status == "draft")
            .group_by(Mission.bonus_minor)
        ).all()
    )
    check_pay_floor(
        reward_minor=campaign.reward_amount_minor,
        currency=campaign.reward_currency,
        est_minutes=pay_minutes(campaign),
        bonus_counts=bonus_counts,
        pay=pay,
    )
    campaign.status = "published"
    campaign.published_at = utcnow()
    opened = db_session.execute(
        missions.statement(
            froms=("draft",),
            to="open",
            where=[Mission.campaign_id == campaign.id],
            values={"show_up_minor": _show_up_pay(campaign, bonus_counts, pay)},
        ).returning(Mission.bonus_minor)
    ).scalars()
    # The budget every mission's reward and bonus will be paid from comes in as the
    # campaign goes live.
    funded = sum(campaign.reward_amount_minor + bonus for bonus in opened)
    ledger.fund_campaign(
        db_session=db_session,
        campaign_id=campaign.id,
        amount_minor=funded,
        currency=campaign.reward_currency,
        now=campaign.published_at,
    )
    # Round 1 (of a recurring campaign, or the only one): campaigns.rounds opens the next.
    schedules.record_round(
        db_session=db_session,
        campaign_id=campaign.id,
        round_no=1,
        opened_at=campaign.published_at,
        funded_minor=funded,
        currency=campaign.reward_currency,
    )
    db_session.flush()
    return campaign


def pay_minutes(campaign: Campaign) -> int:
    """The minutes in store the campaign's pay is judged on: its estimate, or the time its
    form takes (campaigns.forms) when that is longer."""
    return forms.pay_minutes(campaign.est_minutes, campaign.questions, len(campaign.products))


def lock_campaign(*, db_session: Session, campaign: Campaign) -> None:
    """Hold the campaign's row and read it afresh (PostgreSQL), so that a publish and an edit
    in flight run one after the other: each sees the reward and stores the other committed.
    SQLite runs writers one at a time already."""
    if db_session.get_bind().dialect.name != "sqlite":
        db_session.refresh(campaign, with_for_update=True)


def _check_currencies(currency: str, pay: rules.PayRules) -> None:
    floor = pay.floor
    if floor.currency != currency:
        raise Invalid(
            f"There is no pay floor for {currency}: FAIRFIELD_MIN_HOURLY is in {floor.currency}.",
            errors={"reward.currency": [f"No pay floor is set for {currency}."]},
            code="pay_floor_currency",
            extra={"currency": currency},
        )
    if pay.show_up_min.currency != currency:
        raise Invalid(
            f"There is no show-up pay for {currency}: FAIRFIELD_SHOW_UP_MIN is in "
            f"{pay.show_up_min.currency}.",
            errors={"reward.currency": [f"No show-up pay is set for {currency}."]},
            code="show_up_currency",
            extra={"currency": currency},
        )


def check_pay_floor(
    *,
    reward_minor: int,
    currency: str,
    est_minutes: int,
    bonus_counts: dict[int, int],
    pay: rules.PayRules,
) -> None:
    """Refuse (422 naming reward.amount_minor) a reward that leaves any of these missions,
    counted by bonus, under the pay floor; the same rule at publishing and at every edit."""
    _check_currencies(currency, pay)
    floor = pay.floor
    short = rules.pay_floor_shortfall(
        reward_minor=reward_minor,
        bonus_counts=bonus_counts,
        est_minutes=est_minutes,
        allowance_minutes=pay.travel_allowance_minutes,
        floor_minor=floor.amount_minor,
    )
    if short is None:
        return
    minutes = est_minutes + pay.travel_allowance_minutes
    rate, least = (
        format_money(short.rate_minor, currency),
        format_money(short.least_reward_minor, currency),
    )
    raise Invalid(
        f"{short.below} of {sum(bonus_counts.values())} missions would pay {rate} per hour or "
        f"less over {minutes} minutes ({est_minutes} in store and "
        f"{pay.travel_allowance_minutes} to get there), under the floor of "
        f"{format_money(floor.amount_minor, currency)}; a reward of at least {least} passes.",
        errors={"reward.amount_minor": [f"Must be at least {short.least_reward_minor}."]},
        code="below_pay_floor",
        extra={
            "rate": _money(short.rate_minor, currency),
            "floor": _money(floor.amount_minor, currency),
            "least_reward": _money(short.least_reward_minor, currency),
            "missions_below": short.below,
            "minutes": minutes,
        },
    )


def quote_pay(
    *,
    db_session: Session,
    brand_id: str | None,
    reward: Mapping[str, Any],
    est_minutes: int,
    store_ids: Sequence[str] | None,
    questions: Sequence[Mapping[str, Any]] | None = None,
    products: int = 1,
    pay: rules.PayRules | None = None,
) -> rules.PayQuote:
    """The pay check publishing would make of this reward, without a campaign: 422 naming
    the field for a bad reward, estimate or question, or for `store_ids` not all the
    brand's. The form (`questions`, the default one if None, over `products` products) is
    timed, and the pay judged on the longer of that and `est_minutes`, as publishing does."""
    errors = rules.reward_problems(
        amount_minor=reward["amount_minor"], currency=reward["currency"], est_minutes=est_minutes
    )
    if questions is not None:
        errors |= forms.question_problems(questions)
    if store_ids is not None and not store_ids:
        errors["store_ids"] = ["Target at least one store, or leave store_ids out."]
    elif store_ids is not None and len(set(store_ids)) != len(store_ids):
        errors["store_ids"] = ["Each store may appear once."]
    if errors:
        raise Invalid("The quote's input is not valid.", errors=errors)
    pay = pay or rules.pay_rules(current_settings())
    _check_currencies(reward["currency"], pay)
    if store_ids is not None:
        # A campaign's missions are held to the floor alike wherever their stores are (the
        # travel allowance is one figure for all); the stores must still be the brand's.
        assert brand_id is not None, "store_ids are checked against a brand"
        brand_stores(db_session, brand_id, store_ids)
    return rules.pay_quote(
        reward_minor=reward["amount_minor"],
        missions=len(store_ids) if store_ids else 1,
        est_minutes=forms.pay_minutes(est_minutes, forms.normal_questions(questions), products),
        allowance_minutes=pay.travel_allowance_minutes,
        floor_minor=pay.floor.amount_minor,
    )


def _show_up_pay(
    campaign: Campaign, bonus_counts: dict[int, int], pay: rules.PayRules
) -> ColumnElement[int]:
    """Each mission's show-up pay as one expression on its bonus, for the opening UPDATE."""
    amounts = {
        bonus: show_up_pay(campaign.reward_amount_minor + bonus, pay) for bonus in bonus_counts
    }
    if len(amounts) <= 1:  # the usual campaign: one bonus (none) for every store
        return literal(next(iter(amounts.values()), None), BigInteger)
    return case(amounts, value=Mission.bonus_minor)


def _money(amount_minor: int, currency: str) -> dict[str, int | str]:
    return {"amount_minor": amount_minor, "currency": currency}


def cancel_campaign(*, db_session: Session, campaign: Campaign) -> Campaign:
    """Cancel a campaign: missions not yet claimed are cancelled; claimed ones are honoured.
    A recurring campaign's open missions are left to rounds.close_over, which gives back
    what they hold to the brand's balance."""
    lock_campaign(db_session=db_session, campaign=campaign)
    if campaign.status == "cancelled":
        raise Conflict("The campaign is already cancelled.", code="campaign_cancelled")
    campaign.status = "cancelled"
    missions.move_all(
        db_session,
        where=[Mission.campaign_id == campaign.id],
        froms=("draft", "open") if campaign.schedule is None else ("draft",),
        to="cancelled",
    )
    db_session.flush()
    return campaign
