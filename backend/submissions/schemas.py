"""Request and response shapes for submissions and photos."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import (
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
from marshmallow import ValidationError, validates, validates_schema

from backend.schemas import Money, PhotoLinks
from backend.submissions.rules import COUNT_MAX

OUTCOMES = ("completed", "store_closed")


LEGACY_FIELDS = ("count", "out_of_stock", "price")


class AnswerIn(Schema):
    """`{question_id, sku?, value}`, or today's `{sku, count, out_of_stock, price?}`, which
    means the default form's three questions for that product."""

    question_id = String(
        validate=Length(1, 40),
        metadata={"description": "the question answered; leave out for the old shape"},
    )
    sku = String(
        validate=Length(1, 64),
        metadata={"description": "the product, for a question per product (and the old shape)"},
    )
    value = Raw(
        allow_none=True,
        metadata={
            "description": "count: an integer; yes_no: a boolean; single_choice: one option; "
            "multiple_choice: a list of options; price: money in the campaign's currency; "
            "text: a string; date: YYYY-MM-DD; photo: the 0-based index of a photo of this "
            "submission; barcode: the digits of an EAN-8, UPC-A or EAN-13 code"
        },
    )
    count = Integer(
        strict=True, validate=Range(0, COUNT_MAX), metadata={"description": "old shape"}
    )
    out_of_stock = Boolean(metadata={"description": "old shape"})
    price = Nested(Money, allow_none=True, metadata={"description": "old shape, optional"})

    @validates_schema
    def _one_shape(self, data: dict[str, object], **_kwargs: object) -> None:
        if "question_id" in data:
            extra = [f for f in LEGACY_FIELDS if f in data]
            if extra:
                raise ValidationError("Not with question_id: use value.", extra[0])
            if "value" not in data:
                raise ValidationError("Missing data for required field.", "value")
            return
        for field in ("sku", "count", "out_of_stock"):
            if field not in data:
                raise ValidationError("Missing data for required field.", field)
        if "value" in data:
            raise ValidationError("Give question_id with value.", "question_id")


class SubmissionPayload(Schema):
    """The JSON in the `payload` part. Unknown fields (`status`, `reward`...) are refused."""

    outcome = String(required=True, validate=OneOf(OUTCOMES))
    answers = List(
        Nested(AnswerIn),
        load_default=list,
        validate=Length(max=5000),
        metadata={
            "description": "the campaign's questions answered; a bad answer is 422 naming "
            "`answers.<question_id>` (a missing required one, one whose `show_if` does not "
            "hold, a value not of its type or out of range)"
        },
    )
    latitude = Float(required=True, allow_nan=False, validate=Range(-90, 90))
    longitude = Float(required=True, allow_nan=False, validate=Range(-180, 180))
    accuracy_m = Float(required=True, allow_nan=False, validate=Range(0, 10_000))
    captured_at = DateTime(required=True)

    @validates("captured_at")
    def _aware(self, value: object, **_kwargs: object) -> None:
        if getattr(value, "tzinfo", None) is None:
            raise ValidationError("Must be an RFC 3339 time with an offset.")


class SubmissionForm(Schema):
    """The multipart form, as documented; the view reads the parts itself to stream them."""

    payload = String(required=True, metadata={"description": "SubmissionPayload as JSON"})
    photos = List(
        Raw(metadata={"type": "string", "format": "binary"}),
        required=True,
        metadata={"description": "One or more JPEG files"},
    )


class AcceptedOut(Schema):
    submission_id = String()
    status = String()


class CheckOut(Schema):
    name = String()
    passed = Boolean()
    detail = Dict()


class DecisionOut(Schema):
    status = String()
    actor = String()
    reasons = List(String())
    flags = List(String())
    comment = String(allow_none=True)
    decided_at = DateTime()
    on_appeal = Boolean(metadata={"description": "decided on the worker's appeal"})


class PhotoOut(PhotoLinks):
    id = String()
    position = Integer()
    sha256 = String()
    size = Integer()


class PhotoQuery(Schema):
    """GET /photos/{id}: which size, and a signed link's parts."""

    variant = String(
        load_default="full",
        metadata={
            "enum": ["full", "review", "thumb"],
            "description": "full (default), review (about 1600 px) or thumb (about 320 px)",
        },
    )
    viewer = String(metadata={"description": "signed link: the user it was made for"})
    expires = String(
        metadata={
            "description": "signed link: when it stops working, in Unix seconds",
            "pattern": "^[0-9]{1,12}$",
        }
    )
    signature = String(
        metadata={
            "description": "signed link: HMAC-SHA256 (hex) over the photo, variant, viewer and "
            "expiry; with it no Authorization header is needed, and any part altered, or the "
            "link expired, answers 404",
            "pattern": "^[0-9a-f]{64}$",
        }
    )


class AnswerOut(Schema):
    """An answer to the default form's questions for one product, as before forms."""

    sku = String()
    count = Integer(allow_none=True)
    out_of_stock = Boolean(allow_none=True)
    price = Nested(Money, allow_none=True)


class FormAnswerOut(Schema):
    """One answer to one question of the campaign's form."""

    question_id = String()
    sku = String(metadata={"description": "the product, for a question per product"})
    value = Raw(metadata={"description": "as the question's type says (see AnswerIn)"})


class PayoutOut(Schema):
    amount = Nested(Money)
    credited_at = DateTime()


class SubmissionOut(Schema):
    id = String()
    assignment_id = String()
    mission_id = String()
    status = String()
    outcome = String()
    answers = List(
        Nested(AnswerOut),
        metadata={
            "description": "the default form's answers (count, out_of_stock, price) by product"
        },
    )
    form_answers = List(
        Nested(FormAnswerOut), metadata={"description": "every answer, one per question asked"}
    )
    latitude = Float(allow_none=True, metadata={"description": "null for brands"})
    longitude = Float(allow_none=True, metadata={"description": "null for brands"})
    accuracy_m = Float(allow_none=True, metadata={"description": "null for brands"})
    captured_at = DateTime()
    received_at = DateTime()
    photos = List(
        Nested(PhotoOut),
        metadata={"description": "Empty for a brand until the submission is approved"},
    )
    checks = List(Nested(CheckOut))
    decision = Nested(DecisionOut, allow_none=True, metadata={"description": "the latest"})
    decisions = List(
        Nested(DecisionOut),
        metadata={
            "description": "every decision, oldest first: a rejection stays beside its appeal"
        },
    )
    payout = Nested(PayoutOut, allow_none=True, metadata={"description": "once approved"})


class SubmissionBriefOut(Schema):
    """A submission in its worker's list; GET /submissions/{id} has the rest."""

    id = String()
    assignment_id = String()
    mission_id = String()
    status = String(
        metadata={
            "description": "uploading, received, validating, in_review, approved, rejected, "
            "appealed or abandoned"
        }
    )
    outcome = String(metadata={"description": "completed or store_closed"})
    received_at = DateTime()
    decided_at = DateTime(allow_none=True)


class SubmissionListOut(Schema):
    items = List(Nested(SubmissionBriefOut))
    next_cursor = String(allow_none=True)
