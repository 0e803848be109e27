"""Request and response shapes for campaigns."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import (
    AwareDateTime,
    Boolean,
    DateTime,
    Dict,
    Integer,
    List,
    Nested,
    String,
)
from apiflask.validators import Length, Range

from backend.campaigns.form_schemas import QuestionIn, QuestionOut
from backend.campaigns.forms import QUESTIONS_MAX
from backend.campaigns.round_schemas import RoundStateOut, ScheduleIn, ScheduleOut
from backend.campaigns.rules import EST_MINUTES_MAX, PHOTOS_MAX, PRODUCTS_MAX
from backend.schemas import Money, PageQuery


class ProductIn(Schema):
    sku = String(required=True, validate=Length(min=1, max=64))
    name = String(required=True, validate=Length(min=1, max=200))


class BonusIn(Schema):
    store_id = String(required=True, validate=Length(min=1, max=36))
    amount = Nested(Money, required=True)


class CampaignIn(Schema):
    name = String(required=True, validate=Length(min=1, max=200))
    instructions = String(load_default="", validate=Length(max=5000))
    photo_instructions = String(
        load_default=None,
        allow_none=True,
        validate=Length(max=2000),
        metadata={"description": "What the photos must show; told to the worker with the task"},
    )
    products = List(Nested(ProductIn), required=True, validate=Length(min=1, max=PRODUCTS_MAX))
    photos_required = Integer(required=True, strict=True, validate=Range(0, PHOTOS_MAX))
    review_required = Boolean(
        load_default=False,
        metadata={"description": "A person reviews every submission, even one that passes"},
    )
    reward = Nested(Money, required=True)
    est_minutes = Integer(required=True, strict=True, validate=Range(1, EST_MINUTES_MAX))
    starts_at = AwareDateTime(required=True, format="iso")
    ends_at = AwareDateTime(required=True, format="iso")
    store_ids = List(
        String(validate=Length(max=36)), required=True, validate=Length(min=1, max=10_000)
    )
    bonuses = List(
        Nested(BonusIn),
        load_default=list,
        validate=Length(max=10_000),
        metadata={
            "description": "extra pay on top of the reward at some target stores (far ones, "
            "say), in the reward's currency; it counts towards the pay floor"
        },
    )
    questions = List(
        Nested(QuestionIn),
        load_default=None,
        allow_none=True,
        validate=Length(max=QUESTIONS_MAX),
        metadata={
            "description": "the form the worker answers, in order; left out (or null): the "
            "default form, today's products (per product `count` required, `out_of_stock` "
            "required, `price` optional). A bad question is 422 naming "
            "`questions.<index>.<field>`. Fixed once published"
        },
    )
    schedule = Nested(
        ScheduleIn,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "recurring rounds: a new round of missions (one per store) every "
            "`every_days` days from publishing, each funded from the organisation's balance "
            "as it opens; null or left out: one round. Set on a draft only"
        },
    )
    brand_id = String(load_default=None, validate=Length(max=36))


class CampaignPatchIn(CampaignIn):
    """Only the fields given change. A draft: any of them (`store_ids` replaces the set; the
    bonuses of stores that stay are kept unless `bonuses` is given). A published campaign:
    a later `ends_at`, a higher `reward` (its open and claimed missions), more `store_ids`
    (a superset of the current ones); any other field given with a new value is 422 naming
    it. Each published change is funded, and held to the pay floor as publishing is."""

    # CampaignIn's fields and limits, none required and no defaults filled in: a field left
    # out is left as it is. The brand is the campaign's own.

    class Meta:
        exclude = ("brand_id",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Partial at the top only: `partial=True` would reach into the nested products and
        # questions, letting one in without its required fields.
        kwargs.setdefault("partial", tuple(CampaignIn._declared_fields))
        super().__init__(*args, **kwargs)


class ProductOut(Schema):
    sku = String()
    name = String()


class AmountOut(Schema):
    """Money as shown: no input bounds, since a ledger figure is whatever its entries sum to."""

    amount_minor = Integer()
    currency = String()


class SpendOut(Schema):
    funded = Nested(AmountOut, metadata={"description": "paid in for the campaign"})
    spent = Nested(AmountOut, metadata={"description": "paid to workers for approved results"})
    remaining = Nested(AmountOut, metadata={"description": "the campaign account's balance"})


class CampaignOut(Schema):
    id = String()
    brand_id = String()
    name = String()
    instructions = String()
    photo_instructions = String(allow_none=True)
    products = List(Nested(ProductOut))
    photos_required = Integer()
    review_required = Boolean()
    reward = Nested(Money)
    est_minutes = Integer()
    questions = List(Nested(QuestionOut), metadata={"description": "the form, in order"})
    form_minutes = Integer(
        metadata={
            "description": "the time the form takes (every question asked), in minutes; pay "
            "is judged on the longer of this and est_minutes"
        }
    )
    starts_at = DateTime()
    ends_at = DateTime()
    status = String()
    created_at = DateTime()
    published_at = DateTime(allow_none=True)
    missions = Dict(keys=String(), values=Integer(), metadata={"description": "count by status"})
    spend = Nested(SpendOut)
    schedule = Nested(ScheduleOut, allow_none=True, metadata={"description": "null: one round"})
    rounds = Nested(RoundStateOut, allow_none=True, metadata={"description": "null: a draft"})


class CampaignListOut(Schema):
    items = List(Nested(CampaignOut))
    next_cursor = String(allow_none=True)


class CampaignListQuery(PageQuery):
    status = String(load_default=None, validate=Length(max=16))


class QuoteIn(Schema):
    reward = Nested(Money, required=True, metadata={"description": "the reward per mission"})
    est_minutes = Integer(required=True, strict=True, validate=Range(1, EST_MINUTES_MAX))
    store_ids = List(
        String(validate=Length(max=36)),
        load_default=None,
        validate=Length(min=1, max=10_000),
        metadata={"description": "the target stores, if chosen: each must be the brand's"},
    )
    brand_id = String(
        load_default=None,
        validate=Length(max=36),
        metadata={"description": "an admin quoting with store_ids names the brand"},
    )
    questions = List(
        Nested(QuestionIn),
        load_default=None,
        allow_none=True,
        validate=Length(max=QUESTIONS_MAX),
        metadata={"description": "the form to time; left out: the default form"},
    )
    products = List(
        Nested(ProductIn),
        load_default=None,
        allow_none=True,
        validate=Length(max=PRODUCTS_MAX),
        metadata={"description": "the products, counted for per-product questions; left out: one"},
    )


class QuoteOut(Schema):
    effective_hourly_rate = Nested(
        AmountOut,
        metadata={
            "description": "the reward per hour over est_minutes plus travel_minutes, rounded down"
        },
    )
    floor = Nested(AmountOut, metadata={"description": "FAIRFIELD_MIN_HOURLY, per hour"})
    least_passing_reward = Nested(
        AmountOut, metadata={"description": "the least reward publishing accepts"}
    )
    passes = Boolean(metadata={"description": "whether publishing would accept this reward"})
    form_minutes = Integer(
        metadata={
            "description": "the time the form takes in minutes; the rate is figured over the "
            "longer of this and est_minutes, plus travel_minutes"
        }
    )
    travel_minutes = Integer(
        metadata={
            "description": "travel time counted per mission (FAIRFIELD_TRAVEL_ALLOWANCE_MINUTES)"
        }
    )
