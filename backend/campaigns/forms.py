"""Pure rules of a campaign's form: its questions as the brand states them, the default form
that is today's products, and how long the form takes a worker. No session.

A form is a list of questions, each `{id, type, label, per, required, options?, show_if?}`.
A question `per` product is answered once for each of the campaign's products, one `per`
store once for the visit. `show_if: {question_id, equals}` asks a question only when an
earlier one was answered so ("out of stock" -> "a photo of the empty shelf"); pointing only
backwards keeps a form free of cycles and lets the worker's app ask it top to bottom.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

QUESTION_TYPES = (
    "count",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "price",
    "text",
    "date",
    "photo",
    "barcode",
)
QUESTION_PER = ("product", "store")
CHOICE_TYPES = frozenset({"single_choice", "multiple_choice"})
# A condition compares an answer with one value: a photo index or a sum of money says
# nothing a brand would branch on.
CONDITION_TYPES = frozenset(QUESTION_TYPES) - {"photo", "price"}

QUESTIONS_MAX = 100
OPTIONS_MAX = 50
LABEL_MAX = 500
OPTION_MAX = 200
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# Today's products as a form: what every campaign asked before forms existed, and what one
# created without `questions` still asks. Old answers `{sku, count, out_of_stock, price}`
# mean exactly these three, so their ids keep that meaning in every form (RESERVED).
DEFAULT_QUESTIONS: tuple[dict[str, Any], ...] = (
    {
        "id": "count",
        "type": "count",
        "label": "Facings counted",
        "per": "product",
        "required": True,
        "show_if": None,
    },
    {
        "id": "out_of_stock",
        "type": "yes_no",
        "label": "Out of stock",
        "per": "product",
        "required": True,
        "show_if": None,
    },
    {
        "id": "price",
        "type": "price",
        "label": "Shelf price",
        "per": "product",
        "required": False,
        "show_if": None,
    },
)
RESERVED = {q["id"]: q["type"] for q in DEFAULT_QUESTIONS}

# What one answer takes a worker at the shelf, in seconds, by type: reading the label,
# finding the thing and entering it. A photo means framing and taking it; text means typing.
SECONDS_PER_ANSWER = {
    "count": 15,
    "yes_no": 5,
    "single_choice": 8,
    "multiple_choice": 12,
    "price": 10,
    "text": 30,
    "date": 10,
    "photo": 30,
    "barcode": 15,
}


def default_questions() -> list[dict[str, Any]]:
    """The default form (today's products), a fresh copy to store."""
    return [dict(q) for q in DEFAULT_QUESTIONS]


def normal_questions(questions: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Questions as kept: every key present, labels and options trimmed, `options` only on
    a choice question; none given means the default form."""
    if questions is None:
        return default_questions()
    kept = []
    for q in questions:
        question: dict[str, Any] = {
            "id": q["id"],
            "type": q["type"],
            "label": str(q["label"]).strip(),
            "per": q.get("per") or "product",
            "required": bool(q.get("required", False)),
        }
        if q["type"] in CHOICE_TYPES:
            question["options"] = [str(o).strip() for o in q.get("options") or ()]
        show_if = q.get("show_if")
        question["show_if"] = (
            {"question_id": show_if["question_id"], "equals": show_if["equals"]}
            if show_if
            else None
        )
        kept.append(question)
    return kept


def question_problems(questions: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Every question field in error, named `questions.<index>.<field>`, with why."""
    errors: dict[str, list[str]] = {}
    if not questions:
        return {"questions": ["Ask at least one question, or leave questions out."]}
    if len(questions) > QUESTIONS_MAX:
        return {"questions": [f"At most {QUESTIONS_MAX} questions."]}
    earlier: dict[str, Mapping[str, Any]] = {}
    for index, question in enumerate(questions):
        for field, problem in _one_question_problems(question, earlier).items():
            errors[f"questions.{index}.{field}"] = [problem]
        if isinstance(question.get("id"), str):
            earlier.setdefault(question["id"], question)
    return errors


def _one_question_problems(
    question: Mapping[str, Any], earlier: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    errors: dict[str, str] = {}
    qid, qtype, per = question.get("id"), question.get("type"), question.get("per") or "product"
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        errors["id"] = "Lower-case letters, digits and _, starting with a letter, at most 40."
    elif qid in earlier:
        errors["id"] = "Each question id may appear once."
    if qtype not in QUESTION_TYPES:
        errors["type"] = f"Must be one of: {', '.join(QUESTION_TYPES)}."
    elif qid in RESERVED and (qtype != RESERVED[qid] or per != "product"):
        # Old answers {sku, count, out_of_stock, price} mean these ids, per product.
        errors["id"] = f"`{qid}` is kept for a {RESERVED[qid]} question per product."
    if per not in QUESTION_PER:
        errors["per"] = "Must be product or store."
    label = question.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > LABEL_MAX:
        errors["label"] = f"Must not be blank; at most {LABEL_MAX} characters."
    if problem := _options_problem(qtype, question.get("options")):
        errors["options"] = problem
    if question.get("show_if") and (problem := _condition_problem(question, earlier)):
        errors["show_if"] = problem
    return errors


def _options_problem(qtype: Any, options: Any) -> str | None:
    if qtype not in CHOICE_TYPES:
        return "Only a choice question has options." if options else None
    if not isinstance(options, list) or not 2 <= len(options) <= OPTIONS_MAX:
        return f"A choice question lists 2 to {OPTIONS_MAX} options."
    texts = [o.strip() if isinstance(o, str) else "" for o in options]
    if not all(0 < len(t) <= OPTION_MAX for t in texts):
        return f"Each option is text of 1 to {OPTION_MAX} characters."
    if len(set(texts)) != len(texts):
        return "Each option may appear once."
    return None


def _condition_problem(
    question: Mapping[str, Any], earlier: Mapping[str, Mapping[str, Any]]
) -> str | None:
    show_if = question["show_if"]
    target = earlier.get(show_if.get("question_id"))
    if target is None:
        return "Must name an earlier question of this form."
    if target.get("type") not in CONDITION_TYPES:
        return "A condition may not rest on a photo or price question."
    if (question.get("per") or "product") == "store" and (
        target.get("per") or "product"
    ) == "product":
        # Which product's answer would decide? A store question rests on a store question.
        return "A question per store may only rest on a question per store."
    if not _matches_type(target, show_if.get("equals")):
        return f"`equals` must be a possible answer to `{target['id']}`."
    return None


def _matches_type(target: Mapping[str, Any], value: Any) -> bool:
    """Whether `value` could be an answer to `target` (for a multiple choice: one option)."""
    kind = target.get("type")
    if kind == "count":
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == "yes_no":
        return isinstance(value, bool)
    if kind in CHOICE_TYPES:
        return isinstance(value, str) and value.strip() in [
            str(o).strip() for o in target.get("options") or ()
        ]
    return isinstance(value, str) and bool(value)


def counts_products(questions: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the form counts the facings of every product, as today's form does (its
    `count` question required and unconditional): the machine's checks on counts (every
    product counted once, plausibly) apply to it."""
    return any(q["id"] == "count" and q.get("required") and not q.get("show_if") for q in questions)


def form_minutes(questions: Sequence[Mapping[str, Any]], products: int) -> int:
    """Whole minutes the form takes a worker, every question asked (conditions met), each
    per-product question once per product: the least time the pay floor is judged on."""
    seconds = sum(
        SECONDS_PER_ANSWER[q["type"]] * (products if q.get("per", "product") == "product" else 1)
        for q in questions
    )
    return math.ceil(seconds / 60)


def pay_minutes(est_minutes: int, questions: Sequence[Mapping[str, Any]], products: int) -> int:
    """The minutes pay is judged on: the brand's estimate, or the form's if that is longer."""
    return max(est_minutes, form_minutes(questions, products))
