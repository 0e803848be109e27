"""Response shapes of a campaign's results (served by submissions, above campaigns)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import (
    Boolean,
    DateTime,
    Float,
    Integer,
    List,
    Nested,
    Raw,
    String,
)
from apiflask.validators import OneOf, Range

from backend.campaigns.form_schemas import QuestionOut
from backend.campaigns.schemas import AmountOut, SpendOut
from backend.schemas import PhotoLinks

RESULT_FORMATS = ("json", "csv", "geojson")


class ResultsQuery(Schema):
    format = String(load_default="json", validate=OneOf(RESULT_FORMATS))
    round = Integer(
        load_default=None,
        validate=Range(min=1),
        metadata={
            "description": "one round's results (recurring campaigns); left out: every "
            "round, each item (and CSV row) saying its `round`"
        },
    )


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
    round = Integer(metadata={"description": "the round the mission belongs to (1 if one)"})
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
