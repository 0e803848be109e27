"""Request and response shapes for campaigns."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import (
    AwareDateTime,
    Boolean,
    DateTime,
    Dict,
    Float,
    Integer,
    List,
    Nested,
    Raw,
    String,
)
from apiflask.validators import Length, OneOf, Range

from backend.campaigns.forms import (
    LABEL_MAX,
    OPTION_MAX,
    OPTIONS_MAX,
    QUESTION_PER,
    QUESTION_TYPES,
    QUESTIONS_MAX,
)
from backend.campaigns.rules import EST_MINUTES_MAX, PHOTOS_MAX, PRODUCTS_MAX
from backend.schemas import Money, PageQuery, PhotoLinks


class ProductIn(Schema):
    sku = String(required=True, validate=Length(min=1, max=64))
    name = String(required=True, validate=Length(min=1, max=200))


class ShowIfIn(Schema):
    question_id = String(
        required=True,
        validate=Length(min=1, max=40),
        metadata={"description": "an earlier question of the form"},
    )
    equals = Raw(
        required=True,
        metadata={
            "description": "the answer to that question that shows this one: an integer "
            "(count), a boolean (yes_no), one of its options (single_choice; for "
            "multiple_choice: shown when that option is among those chosen), or a string "
            "(text, date, barcode)"
        },
    )


class QuestionIn(Schema):
    """A question of the form, answered as `{question_id, sku?, value}`."""

    id = String(
        required=True,
        validate=Length(min=1, max=40),
        metadata={
            "description": "names the question in answers: lower-case letters, digits and _, "
            "starting with a letter, unique in the form. `count`, `out_of_stock` and `price` "
            "are kept for a count, yes_no and price question per product (old answers "
            "{sku, count, out_of_stock, price} mean them)"
        },
    )
    type = String(required=True, validate=OneOf(QUESTION_TYPES))
    label = String(required=True, validate=Length(min=1, max=LABEL_MAX))
    per = String(
        load_default="product",
        validate=OneOf(QUESTION_PER),
        metadata={
            "description": "`product`: answered once per product, with its sku; `store`: once"
        },
    )
    required = Boolean(
        load_default=False, metadata={"description": "must be answered whenever it is shown"}
    )
    options = List(
        String(validate=Length(min=1, max=OPTION_MAX)),
        load_default=None,
        allow_none=True,
        validate=Length(max=OPTIONS_MAX),
        metadata={
            "description": "the choices of a single_choice or multiple_choice question (2 or more)"
        },
    )
    show_if = Nested(
        ShowIfIn,
        load_default=None,
        allow_none=True,
        metadata={
            "description": "ask this question only when an EARLIER question was answered "
            "`equals`; a question per store may only rest on one per store"
        },
    )


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


class ShowIfOut(Schema):
    question_id = String()
    equals = Raw(metadata={"description": "the answer to that question that shows this one"})


class QuestionOut(Schema):
    """A question of the form, answered as `{question_id, sku?, value}`."""

    id = String()
    type = String(validate=OneOf(QUESTION_TYPES))
    label = String()
    per = String(
        validate=OneOf(QUESTION_PER),
        metadata={"description": "`product`: answered once per product (with its sku)"},
    )
    required = Boolean(metadata={"description": "must be answered whenever it is shown"})
    options = List(String(), metadata={"description": "the choices of a choice question"})
    show_if = Nested(
        ShowIfOut, allow_none=True, metadata={"description": "asked only when this holds"}
    )


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


class CampaignListOut(Schema):
    items = List(Nested(CampaignOut))
    next_cursor = String(allow_none=True)


class CampaignListQuery(PageQuery):
    status = String(load_default=None, validate=Length(max=16))


RESULT_FORMATS = ("json", "csv", "geojson")


class ResultsQuery(Schema):
    format = String(load_default="json", validate=OneOf(RESULT_FORMATS))


class ResultsCoverageOut(Schema):
    missions = Integer()
    with_results = Integer(metadata={"description": "missions with an approved result"})
    ratio = Float()


class ResultsProductOut(Schema):
    sku = String()
    name = String()
    answers = Integer(metadata={"description": "approved answers counted"})
    out_of_stock = Integer()
    out_of_stock_rate = Float(allow_none=True)
    median_facings = Float(allow_none=True)


class ResultsAggregatesOut(Schema):
    coverage = Nested(ResultsCoverageOut)
    products = List(Nested(ResultsProductOut))
    spend = Nested(SpendOut)


class ResultsStoreOut(Schema):
    id = String()
    name = String()
    address = String(allow_none=True)
    external_ref = String(allow_none=True)
    latitude = Float()
    longitude = Float()


class ResultsAnswerOut(Schema):
    sku = String()
    product_name = String()
    count = Integer(allow_none=True, metadata={"description": "facings; null if not reported"})
    out_of_stock = Boolean(allow_none=True)
    price = Nested(AmountOut, allow_none=True)


class ResultsPhotoOut(PhotoLinks):
    id = String()
    position = Integer()
    erased = Boolean(metadata={"description": "its worker erased their account: no image"})
    url = String(
        allow_none=True,
        metadata={
            "description": "the brand's copy, without metadata; null once erased. A signed "
            "link (see GET /photos/{id}); in the CSV and GeoJSON exports it lives "
            "FAIRFIELD_EXPORT_LINK_TTL_SECONDS"
        },
    )
    review_url = String(allow_none=True, metadata={"description": "about 1600 px; as `url`"})
    thumbnail_url = String(allow_none=True, metadata={"description": "about 320 px; as `url`"})


class ResultsFormAnswerOut(Schema):
    """One answer to one question of the form."""

    question_id = String()
    sku = String(metadata={"description": "the product, for a question per product"})
    value = Raw(
        metadata={
            "description": "as the question's type says: an integer (count), a boolean "
            "(yes_no), a string (single_choice, text, date YYYY-MM-DD, barcode), a list of "
            "strings (multiple_choice), money (price), the `position` of one of `photos` "
            "(photo)"
        }
    )


class ResultsSubmissionOut(Schema):
    submission_id = String()
    outcome = String()
    answers = List(
        Nested(ResultsAnswerOut),
        metadata={
            "description": "the default form's answers, a row per product; empty if store_closed"
        },
    )
    form_answers = List(
        Nested(ResultsFormAnswerOut),
        metadata={"description": "every answer, one per question asked; empty if store_closed"},
    )
    photos = List(Nested(ResultsPhotoOut))
    captured_at = DateTime()
    received_at = DateTime()
    decided_at = DateTime()


class ResultsItemOut(Schema):
    mission_id = String()
    mission_status = String()
    store = Nested(ResultsStoreOut)
    result = Nested(
        ResultsSubmissionOut, allow_none=True, metadata={"description": "null until approved"}
    )


class CampaignResultsOut(Schema):
    campaign_id = String()
    questions = List(
        Nested(QuestionOut), metadata={"description": "the form the answers answer, in order"}
    )
    aggregates = Nested(ResultsAggregatesOut)
    items = List(Nested(ResultsItemOut))


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
