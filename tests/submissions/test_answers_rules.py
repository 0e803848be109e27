"""Answers against a form, without a database: types, ranges, options, conditions, what is
required, and today's answers {sku, count, out_of_stock, price} read as the default form."""

from __future__ import annotations

import pytest

from backend.campaigns import forms
from backend.submissions import answers
from backend.submissions.rules import COUNT_MAX

SKUS = ["A-1", "B-2"]
FORM = forms.normal_questions(
    [
        {"id": "count", "type": "count", "label": "Facings", "required": True},
        {"id": "out_of_stock", "type": "yes_no", "label": "Out", "required": True},
        {
            "id": "empty_shelf",
            "type": "photo",
            "label": "The empty shelf",
            "required": True,
            "show_if": {"question_id": "out_of_stock", "equals": True},
        },
        {"id": "price", "type": "price", "label": "Price"},
        {"id": "barcode", "type": "barcode", "label": "Barcode", "required": True},
        {
            "id": "display",
            "type": "single_choice",
            "label": "Display",
            "per": "store",
            "required": True,
            "options": ["gondola", "end cap"],
        },
        {
            "id": "promos",
            "type": "multiple_choice",
            "label": "Promotions",
            "per": "store",
            "options": ["leaflet", "price cut", "bundle"],
        },
        {"id": "notes", "type": "text", "label": "Notes", "per": "store"},
        {"id": "best_before", "type": "date", "label": "Best before", "per": "store"},
        {"id": "met", "type": "yes_no", "label": "Met the manager", "per": "store"},
        {
            "id": "manager",
            "type": "text",
            "label": "Their name",
            "per": "store",
            "required": True,
            "show_if": {"question_id": "met", "equals": True},
        },
    ]
)


def a(question_id, value, sku=None):
    return {"question_id": question_id, "value": value} | ({"sku": sku} if sku else {})


def good():
    return [
        a("count", 4, "A-1"),
        a("out_of_stock", False, "A-1"),
        a("price", {"amount_minor": 199, "currency": "EUR"}, "A-1"),
        a("barcode", "4006381333931", "A-1"),
        a("count", 0, "B-2"),
        a("out_of_stock", True, "B-2"),
        a("empty_shelf", 1, "B-2"),
        a("barcode", "96385074", "B-2"),
        a("display", "end cap"),
        a("promos", ["leaflet", "bundle"]),
        a("notes", "Tidy shelf"),
        a("best_before", "2027-01-31"),
        a("met", False),
    ]


def problems(given, **more):
    options = {"skus": SKUS, "currency": "EUR", "photos_sent": 2} | more
    return answers.answer_problems(given, FORM, **options)


def test_a_whole_form_answered_right_passes():
    assert problems(good()) == {}
    # A condition met asks its question, which is then required.
    assert problems([*without("met"), a("met", True), a("manager", "Ann")]) == {}


def replace(question_id, value, sku=None):
    kept = [x for x in good() if (x["question_id"], x.get("sku")) != (question_id, sku)]
    return [*kept, a(question_id, value, sku)]


def without(question_id, sku=None):
    return [x for x in good() if (x["question_id"], x.get("sku")) != (question_id, sku)]


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        (replace("count", "four", "A-1"), "answers.count", "whole number"),
        (replace("count", COUNT_MAX + 1, "A-1"), "answers.count", "whole number"),
        (replace("count", True, "A-1"), "answers.count", "whole number"),
        (replace("out_of_stock", "no", "A-1"), "answers.out_of_stock", "true or false"),
        (replace("display", "shelf"), "answers.display", "options"),
        (replace("promos", ["leaflet", "gift"]), "answers.promos", "options"),
        (replace("promos", ["leaflet", "leaflet"]), "answers.promos", "once"),
        (
            replace("price", {"amount_minor": 199, "currency": "USD"}, "A-1"),
            "answers.price",
            "EUR",
        ),
        (
            replace("price", {"amount_minor": 1.99, "currency": "EUR"}, "A-1"),
            "answers.price",
            "Money",
        ),
        (replace("notes", "   "), "answers.notes", "Text"),
        (replace("best_before", "2027-02-30"), "answers.best_before", "YYYY-MM-DD"),
        (replace("best_before", "31/01/2027"), "answers.best_before", "YYYY-MM-DD"),
        (replace("empty_shelf", 2, "B-2"), "answers.empty_shelf", "has 2"),
        (replace("empty_shelf", -1, "B-2"), "answers.empty_shelf", "index"),
        (replace("barcode", "4006381333932", "A-1"), "answers.barcode", "check digit"),
        (replace("barcode", "40063813339", "A-1"), "answers.barcode", "check digit"),
        (without("barcode", "B-2"), "answers.barcode", "B-2: Required."),
        (without("display"), "answers.display", "Required."),
        (without("empty_shelf", "B-2"), "answers.empty_shelf", "B-2: Required."),
        ([*good(), a("empty_shelf", 0, "A-1")], "answers.empty_shelf", "A-1: Not asked"),
        ([*good(), a("manager", "Ann")], "answers.manager", "Not asked"),
        ([*good(), a("colour", "red")], "answers.colour", "no such question"),
        ([*good(), a("display", "gondola", "A-1")], "answers.display", "without a sku"),
        ([*good(), a("count", 3, "Z-9")], "answers.count", "Z-9: Not a product"),
        ([*good(), a("count", 3)], "answers.count", "Give the sku"),
        ([*good(), a("count", 5, "A-1")], "answers.count", "A-1: Answered twice."),
        (replace("notes", None), "answers.notes", "Text"),
    ],
)
def test_a_bad_answer_is_named_by_its_question(given, field, words):
    errors = problems(given)
    assert list(errors) == [field], errors
    assert words in " ".join(errors[field])


def test_a_closed_store_owes_no_answer_but_what_it_gives_must_be_right():
    assert problems([], outcome="store_closed") == {}
    assert list(problems([a("display", "shelf")], outcome="store_closed")) == ["answers.display"]
    assert list(problems([a("met", False)], outcome="completed")) == [
        "answers.count",
        "answers.out_of_stock",
        "answers.barcode",
        "answers.display",
    ]


def test_no_answer_at_all_is_held_to_the_rules_its_form_was_under():
    # A form that counts every product as today's does: old rules, the machine doubts it.
    assert problems([]) == {}
    # Any other form owes its required answers.
    store_form = forms.normal_questions(
        [{"id": "seen", "type": "yes_no", "label": "Seen", "per": "store", "required": True}]
    )
    options = {"skus": SKUS, "currency": "EUR", "photos_sent": 1}
    assert list(answers.answer_problems([], store_form, **options)) == ["answers.seen"]


def test_photo_indexes_are_bounded_only_once_the_photos_are_known():
    given = replace("empty_shelf", 7, "B-2")
    assert problems(given, photos_sent=None) == {}
    assert list(problems(given, photos_sent=3)) == ["answers.empty_shelf"]


def test_barcodes_carry_their_check_digit():
    for code in ("4006381333931", "96385074", "036000291452", "5449000000996"):
        assert answers.barcode_valid(code), code
    for code in (
        "4006381333930",
        "96385075",
        "036000291453",
        "12345",
        "40063813339a1",
        "٤٠٠٦٣٨١٣٣٣٩٣١",
    ):
        assert not answers.barcode_valid(code), code


DEFAULT = forms.default_questions()


def test_old_answers_mean_the_default_forms_three_questions():
    old = [
        {
            "sku": "A-1",
            "count": 4,
            "out_of_stock": False,
            "price": {"amount_minor": 199, "currency": "EUR"},
        },
        {"sku": "B-2", "count": 0, "out_of_stock": True},
    ]
    assert answers.kept_answers(old) == [old[0], old[1] | {"price": None}]
    assert answers.normal_answers(answers.kept_answers(old)) == [
        {"question_id": "count", "sku": "A-1", "value": 4},
        {"question_id": "out_of_stock", "sku": "A-1", "value": False},
        {"question_id": "price", "sku": "A-1", "value": {"amount_minor": 199, "currency": "EUR"}},
        {"question_id": "count", "sku": "B-2", "value": 0},
        {"question_id": "out_of_stock", "sku": "B-2", "value": True},
    ]
    assert answers.product_rows(answers.kept_answers(old)) == answers.kept_answers(old)
    options = {"skus": SKUS, "currency": "EUR", "photos_sent": 1}
    assert answers.answer_problems(old, DEFAULT, **options) == {}


def test_old_answers_leave_completeness_to_the_machine_as_before():
    options = {"skus": SKUS, "currency": "EUR", "photos_sent": 1}
    # A product missing, one unknown, one twice: the checks doubt these, as they always did.
    lax = [
        {"sku": "NOPE", "count": 3, "out_of_stock": False},
        {"sku": "A-1", "count": 3, "out_of_stock": False},
        {"sku": "A-1", "count": 4, "out_of_stock": False},
    ]
    assert answers.answer_problems(lax, DEFAULT, **options) == {}
    # Their types and the campaign's currency still hold.
    foreign = [
        {
            "sku": "A-1",
            "count": 3,
            "out_of_stock": False,
            "price": {"amount_minor": 1, "currency": "USD"},
        }
    ]
    assert list(answers.answer_problems(foreign, DEFAULT, **options)) == ["answers.price"]
    # A form without those questions has nothing an old answer could mean.
    store_form = forms.normal_questions(
        [{"id": "seen", "type": "yes_no", "label": "Seen", "per": "store"}]
    )
    assert list(answers.answer_problems(lax[1:2], store_form, **options)) == [
        "answers.count",
        "answers.out_of_stock",
    ]


def test_new_answers_read_as_rows_by_product_for_todays_readers():
    stored = answers.kept_answers(good())
    assert answers.product_rows(stored) == [
        {
            "sku": "A-1",
            "count": 4,
            "out_of_stock": False,
            "price": {"amount_minor": 199, "currency": "EUR"},
        },
        {"sku": "B-2", "count": 0, "out_of_stock": True, "price": None},
    ]
    assert answers.normal_answers(stored) == good()
    assert answers.product_rows(None) == []
    assert answers.normal_answers(None) == []


def test_conditions_chain_and_hold_on_their_own_product():
    asked = answers.shown(
        FORM, {("out_of_stock", "A-1"): False, ("out_of_stock", "B-2"): True}, SKUS
    )
    assert (asked[("empty_shelf", "A-1")], asked[("empty_shelf", "B-2")]) == (False, True)
    assert asked[("manager", None)] is False
    chained = forms.normal_questions(
        [
            {"id": "met", "type": "yes_no", "label": "Met", "per": "store"},
            {
                "id": "agreed",
                "type": "yes_no",
                "label": "Agreed",
                "per": "store",
                "show_if": {"question_id": "met", "equals": True},
            },
            {
                "id": "why",
                "type": "text",
                "label": "Why",
                "per": "store",
                "show_if": {"question_id": "agreed", "equals": False},
            },
        ]
    )
    # `agreed` is not asked, so neither is what rests on it, whatever was answered there.
    assert (
        answers.shown(chained, {("met", None): False, ("agreed", None): False}, [])[("why", None)]
        is False
    )
    # 1 is not True: an answer and a condition of different types never agree.
    assert not answers.holds({"type": "yes_no"}, 1, True)
    assert answers.holds({"type": "multiple_choice"}, ["a", "b"], "b")
