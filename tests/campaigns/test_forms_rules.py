"""The form's pure rules: questions a brand may ask, the default form, the time a form takes."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime
from pathlib import Path

import pytest

import backend
from backend.campaigns import forms
from backend.campaigns.rules import CampaignDraft, campaign_problems, changed_fields


def question(qid, qtype="yes_no", **more):
    return {"id": qid, "type": qtype, "label": qid.replace("_", " "), "per": "store"} | more


def test_the_default_form_is_todays_products():
    assert [(q["id"], q["type"], q["per"], q["required"]) for q in forms.default_questions()] == [
        ("count", "count", "product", True),
        ("out_of_stock", "yes_no", "product", True),
        ("price", "price", "product", False),
    ]
    # None given: the default form; a copy each time, so no campaign edits another's.
    assert forms.normal_questions(None) == forms.default_questions()
    assert forms.normal_questions(None) is not forms.normal_questions(None)
    assert forms.question_problems(forms.default_questions()) == {}


def test_normal_questions_fill_every_key_and_keep_options_only_on_choices():
    kept = forms.normal_questions(
        [
            {"id": "shelf", "type": "single_choice", "label": " Shelf ", "options": [" a", "b "]},
            {"id": "seen", "type": "yes_no", "label": "Seen", "options": None},
        ]
    )
    assert kept == [
        {
            "id": "shelf",
            "type": "single_choice",
            "label": "Shelf",
            "per": "product",
            "required": False,
            "options": ["a", "b"],
            "show_if": None,
        },
        {
            "id": "seen",
            "type": "yes_no",
            "label": "Seen",
            "per": "product",
            "required": False,
            "show_if": None,
        },
    ]


@pytest.mark.parametrize(
    ("questions", "field", "words"),
    [
        ([question("Bad-Id")], "questions.0.id", "Lower-case"),
        ([question("a"), question("a")], "questions.1.id", "once"),
        ([question("a", "colour")], "questions.0.type", "Must be one of"),
        ([question("a", per="shelf")], "questions.0.per", "product or store"),
        ([question("a", label="  ")], "questions.0.label", "blank"),
        ([question("a", "single_choice")], "questions.0.options", "2 to"),
        ([question("a", "multiple_choice", options=["x", "x"])], "questions.0.options", "once"),
        ([question("a", options=["x", "y"])], "questions.0.options", "Only a choice"),
        (
            [question("a", show_if={"question_id": "b", "equals": True}), question("b")],
            "questions.0.show_if",
            "earlier",
        ),
        (
            [question("a"), question("b", show_if={"question_id": "a", "equals": "yes"})],
            "questions.1.show_if",
            "possible answer",
        ),
        (
            [question("p", "photo"), question("b", show_if={"question_id": "p", "equals": 0})],
            "questions.1.show_if",
            "photo or price",
        ),
        (
            [
                question("a", per="product"),
                question("b", show_if={"question_id": "a", "equals": 1}),
            ],
            "questions.1.show_if",
            "per store",
        ),
        ([question("count", "text", per="product")], "questions.0.id", "kept for a count"),
        ([question("price", "price")], "questions.0.id", "per product"),
    ],
)
def test_a_bad_question_is_named_by_its_index_and_field(questions, field, words):
    errors = forms.question_problems(questions)
    assert list(errors) == [field], errors
    assert words in errors[field][0]


def test_conditions_rest_on_an_earlier_answer_of_the_right_kind():
    good = [
        question("out_of_stock", "yes_no", per="product"),
        question(
            "empty", "photo", per="product", show_if={"question_id": "out_of_stock", "equals": True}
        ),
        question("display", "single_choice", options=["end cap", "gondola"]),
        question("why", "text", show_if={"question_id": "display", "equals": "end cap"}),
        question("promos", "multiple_choice", options=["leaflet", "cut"]),
        question("leaflet", "photo", show_if={"question_id": "promos", "equals": "leaflet"}),
        question("facings", "count"),
        question("many", "yes_no", show_if={"question_id": "facings", "equals": 0}),
    ]
    assert forms.question_problems(good) == {}
    assert list(forms.question_problems([])) == ["questions"]
    too_many = [question(f"q{i}") for i in range(forms.QUESTIONS_MAX + 1)]
    assert list(forms.question_problems(too_many)) == ["questions"]


def test_a_draft_with_bad_questions_is_refused_beside_its_other_fields():
    draft = CampaignDraft.from_body(
        {
            "name": "x",
            "products": [{"sku": "A", "name": "A"}],
            "photos_required": 1,
            "reward": {"amount_minor": 600, "currency": "EUR"},
            "est_minutes": 15,
            "starts_at": datetime(2030, 1, 1),
            "ends_at": datetime(2030, 2, 1),
            "store_ids": ["s"],
            "questions": [question("a", "single_choice")],
        }
    )
    assert list(campaign_problems(draft)) == ["questions.0.options"]


def test_questions_compare_as_kept():
    current = {"questions": forms.default_questions()}
    assert changed_fields(current, {"questions": None}) == []
    assert changed_fields(current, {"questions": [question("a")]}) == ["questions"]


def test_the_time_a_form_takes():
    default = forms.default_questions()
    # count 15 s, out of stock 5 s, price 10 s: 30 s a product.
    assert forms.form_minutes(default, 1) == 1
    assert forms.form_minutes(default, 4) == 2
    assert forms.form_minutes(default, 100) == 50
    store_only = [question("notes", "text"), question("display", "photo")]
    assert forms.form_minutes(store_only, 200) == 1  # per store: once, whatever the products
    assert forms.pay_minutes(15, default, 4) == 15
    assert forms.pay_minutes(15, default, 100) == 50
    assert set(forms.SECONDS_PER_ANSWER) == set(forms.QUESTION_TYPES)


def test_counts_are_checked_only_where_every_product_is_counted():
    assert forms.counts_products(forms.default_questions())
    optional = [question("count", "count", per="product", required=False)]
    assert not forms.counts_products(forms.normal_questions(optional))
    assert not forms.counts_products(forms.normal_questions([question("a")]))


def test_the_migration_gives_existing_campaigns_the_default_form():
    path = Path(backend.__file__).parent / "migrations" / "versions" / "0019_campaign_forms.py"
    spec = importlib.util.spec_from_file_location("migration_0019", path)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert json.loads(migration.DEFAULT_FORM) == list(forms.DEFAULT_QUESTIONS)
