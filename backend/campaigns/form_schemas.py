"""Request and response shapes of a campaign's form: its questions and their conditions."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import (
    Boolean,
    List,
    Nested,
    Raw,
    String,
)
from apiflask.validators import Length, OneOf

from backend.campaigns.forms import (
    LABEL_MAX,
    OPTION_MAX,
    OPTIONS_MAX,
    QUESTION_PER,
    QUESTION_TYPES,
)


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
