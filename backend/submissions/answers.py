"""Pure rules of a submission's answers against its campaign's form. No session.

An answer is `{question_id, sku?, value}`: `sku` names the product for a question per
product. Today's answer `{sku, count, out_of_stock, price}` keeps working: it means the
default form's three questions for that product, and it is kept as it came, so what was
stored before forms and what an old app sends read alike (`normal_answers`).

A payload made only of old answers is held to the rules old answers always were: the types
and the campaign's currency here, and completeness (a product missing or unknown, one
answered twice) left to the machine's checks, which doubt rather than refuse. So is a
payload of no answer at all on a form that counts every product as today's does (the
machine doubts it as before); on any other form it owes the required answers. A payload in
the new shape is held to the whole form: every question shown and required answered, no
hidden question answered, every value of its type.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from backend.campaigns.forms import counts_products
from backend.submissions.rules import COUNT_MAX

# The default form's questions an old answer carries, in the order they are asked.
LEGACY_QUESTIONS = ("count", "out_of_stock", "price")
TEXT_MAX = 2000
PRICE_MAX_MINOR = 10**9
BARCODE_LENGTHS = frozenset({8, 12, 13})  # EAN-8, UPC-A, EAN-13
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Key = tuple[str, str | None]  # (question id, sku or None for a question per store)


def is_legacy(answer: Mapping[str, Any]) -> bool:
    """Whether an answer is today's `{sku, count, out_of_stock, price}` rather than
    `{question_id, sku?, value}`."""
    return "question_id" not in answer


def legacy_answer(answer: Mapping[str, Any]) -> dict[str, Any]:
    """An old answer as it is kept: only the fields it knows, in a fixed shape."""
    return {
        "sku": answer["sku"],
        "count": answer["count"],
        "out_of_stock": answer["out_of_stock"],
        "price": answer.get("price"),
    }


def form_answer(answer: Mapping[str, Any]) -> dict[str, Any]:
    """A new answer as it is kept: its sku only when it names one."""
    kept: dict[str, Any] = {"question_id": answer["question_id"]}
    if answer.get("sku") is not None:
        kept["sku"] = answer["sku"]
    kept["value"] = answer.get("value")
    return kept


def kept_answers(answers: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Answers as a submission keeps them: each in its own shape, old or new."""
    return [legacy_answer(a) if is_legacy(a) else form_answer(a) for a in answers]


def normal_answers(stored: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Every answer as `{question_id, sku?, value}`: an old one is its three (a price left
    out is not an answer)."""
    normal: list[dict[str, Any]] = []
    for answer in stored or ():
        if not is_legacy(answer):
            normal.append(form_answer(answer))
            continue
        for question_id in LEGACY_QUESTIONS:
            if answer.get(question_id) is not None:
                value = answer[question_id]
                normal.append(
                    {"question_id": question_id, "sku": answer.get("sku"), "value": value}
                )
    return normal


def product_rows(stored: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The answers to the default form's questions as today's rows `{sku, count,
    out_of_stock, price}`, one per product answered, for what reads them so (the checks on
    counts, the figures per product, the review screen). Old answers pass as they are."""
    rows: list[dict[str, Any]] = []
    by_sku: dict[Any, dict[str, Any]] = {}
    for answer in stored or ():
        if is_legacy(answer):
            rows.append(legacy_answer(answer))
        elif answer["question_id"] in LEGACY_QUESTIONS and answer.get("sku") is not None:
            row = by_sku.get(answer["sku"])
            if row is None:
                row = {"sku": answer["sku"], "count": None, "out_of_stock": None, "price": None}
                by_sku[answer["sku"]] = row
                rows.append(row)
            row[answer["question_id"]] = answer.get("value")
    return rows


def value_problem(
    question: Mapping[str, Any], value: Any, *, currency: str, photos_sent: int | None
) -> str | None:
    """What is wrong with `value` as an answer to `question`, if anything."""
    kind = question["type"]
    if kind == "multiple_choice":
        return _choices_problem(question, value)
    if kind == "price":
        return _price_problem(value, currency)
    if kind == "photo":
        return _photo_problem(value, photos_sent)
    if kind == "single_choice":
        right = value in question.get("options", ())
    else:
        right = _SIMPLE[kind](value)
    return None if right else _WANTED[kind]


_SIMPLE: dict[str, Callable[[Any], bool]] = {
    "count": lambda v: _is_int(v) and 0 <= v <= COUNT_MAX,
    "yes_no": lambda v: isinstance(v, bool),
    "text": lambda v: isinstance(v, str) and bool(v.strip()) and len(v) <= TEXT_MAX,
    "date": lambda v: isinstance(v, str) and _is_date(v),
    "barcode": lambda v: isinstance(v, str) and barcode_valid(v),
}
_WANTED = {
    "count": f"A whole number from 0 to {COUNT_MAX}.",
    "yes_no": "true or false.",
    "single_choice": "One of the question's options.",
    "text": f"Text of 1 to {TEXT_MAX} characters.",
    "date": "A date as YYYY-MM-DD.",
    "barcode": "An EAN-8, UPC-A or EAN-13 barcode: its digits, the check digit right.",
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _choices_problem(question: Mapping[str, Any], value: Any) -> str | None:
    options = question.get("options", ())
    if not isinstance(value, list) or not all(isinstance(v, str) and v in options for v in value):
        return "A list of the question's options."
    if len(set(value)) != len(value):
        return "Each option may be chosen once."
    if question.get("required") and not value:
        return "Choose at least one option."
    return None


def _price_problem(value: Any, currency: str) -> str | None:
    if (
        not isinstance(value, dict)
        or set(value) != {"amount_minor", "currency"}
        or not _is_int(value["amount_minor"])
        or not 0 <= value["amount_minor"] <= PRICE_MAX_MINOR
    ):
        return "Money: {amount_minor, currency}, a whole number of minor units."
    if value["currency"] != currency:
        return f"In {currency}, the campaign's currency."
    return None


def _photo_problem(value: Any, photos_sent: int | None) -> str | None:
    if not _is_int(value) or value < 0:
        return "The 0-based index of a photo of this submission."
    if photos_sent is not None and value >= photos_sent:
        return f"No photo {value}: this submission has {photos_sent}."
    return None


def barcode_valid(digits: str) -> bool:
    """An EAN-8, UPC-A or EAN-13 code whose last digit is its GS1 check digit."""
    if not digits.isascii() or not digits.isdigit() or len(digits) not in BARCODE_LENGTHS:
        return False
    body, check = [int(d) for d in digits[:-1]], int(digits[-1])
    # GS1: from the right of the body, weights 3, 1, 3, ...
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def holds(target: Mapping[str, Any], value: Any, equals: Any) -> bool:
    """Whether an answer `value` to `target` meets a condition's `equals`."""
    if value is None:
        return False
    if target["type"] == "multiple_choice":
        return isinstance(value, list) and equals in value
    # 1 == True in Python; an answer and a condition of different types never agree.
    return isinstance(value, bool) == isinstance(equals, bool) and value == equals


def shown(
    questions: Sequence[Mapping[str, Any]], given: Mapping[Key, Any], skus: Sequence[str]
) -> dict[Key, bool]:
    """Whether each question is asked, per product or for the store: a condition holds on
    the earlier answer (for the same product when that question is per product too), and a
    question resting on one not asked is not asked either."""
    by_id = {q["id"]: q for q in questions}
    asked: dict[Key, bool] = {}
    for question in questions:
        for key in _targets(question, skus):
            condition = question.get("show_if")
            if not condition:
                asked[key] = True
                continue
            target = by_id[condition["question_id"]]
            target_key = (target["id"], key[1] if target["per"] == "product" else None)
            asked[key] = asked.get(target_key, False) and holds(
                target, given.get(target_key), condition["equals"]
            )
    return asked


def _targets(question: Mapping[str, Any], skus: Sequence[str]) -> Iterator[Key]:
    if question["per"] == "product":
        for sku in skus:
            yield (question["id"], sku)
    else:
        yield (question["id"], None)


def _placement_problem(
    question: Mapping[str, Any] | None,
    sku: str | None,
    skus: Sequence[str],
    again: bool,
    legacy: bool,
) -> str | None:
    """What is wrong with where an answer stands (its question, its product), if anything.
    Old answers for an unknown product, or twice for one, are the machine's to doubt, as
    they always were."""
    if question is None:
        return "This campaign asks no such question."
    if question["per"] == "store" and sku is not None:
        return "A question per store is answered without a sku."
    if question["per"] == "product" and sku not in skus and not legacy:
        return "Not a product of this campaign." if sku else "Give the sku."
    if again and not legacy:
        return "Answered twice."
    return None


def answer_problems(
    answers: Sequence[Mapping[str, Any]],
    questions: Sequence[Mapping[str, Any]],
    *,
    skus: Sequence[str],
    currency: str,
    photos_sent: int | None,
    outcome: str = "completed",
) -> dict[str, list[str]]:
    """Every answer in error, named `answers.<question_id>`, with why (and which product).
    `photos_sent` is None while the photos are not known yet (then indexes are held to no
    bound). A closed store owes no answer; those it gives must still be right."""
    legacy = all(is_legacy(a) for a in answers) and (bool(answers) or counts_products(questions))
    by_id = {q["id"]: q for q in questions}
    errors: dict[str, list[str]] = {}

    def refuse(question_id: str, sku: str | None, message: str) -> None:
        where = f"{sku}: " if sku is not None else ""
        errors.setdefault(f"answers.{question_id}", []).append(where + message)

    given: dict[Key, Any] = {}
    for answer in normal_answers(answers):
        question_id, sku, value = answer["question_id"], answer.get("sku"), answer.get("value")
        question = by_id.get(question_id)
        if problem := _placement_problem(question, sku, skus, (question_id, sku) in given, legacy):
            refuse(question_id, sku, problem)
            continue
        assert question is not None  # placed: the form asks it
        if problem := value_problem(question, value, currency=currency, photos_sent=photos_sent):
            refuse(question_id, sku, problem)
        given.setdefault((question_id, sku), value)
    asked = shown(questions, given, skus)
    for key in given:
        if key in asked and not asked[key]:
            refuse(key[0], key[1], "Not asked: its condition does not hold; leave it out.")
    if not legacy and outcome == "completed":
        for question in questions:
            if not question.get("required"):
                continue
            for key in _targets(question, skus):
                if asked[key] and key not in given:
                    refuse(key[0], key[1], "Required.")
    return errors
