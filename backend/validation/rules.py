"""Pure validation rules: the answers, and the decision the checks add up to. No session."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from backend.validation.photos import Check

COUNT_MAX = 10_000


def answer_checks(
    answers: Sequence[dict[str, Any]],
    *,
    skus: Sequence[str],
    photos_sent: int,
    photos_required: int,
) -> list[Check]:
    """Every product answered once, counts plausible and consistent, enough photos."""
    given = [answer.get("sku") for answer in answers]
    missing = sorted(set(skus) - set(given))
    unknown = sorted({str(sku) for sku in given if sku not in set(skus)})
    repeated = sorted({str(sku) for sku in given if given.count(sku) > 1})
    bad_counts = [
        str(answer.get("sku"))
        for answer in answers
        if not isinstance(answer.get("count"), int)
        or isinstance(answer.get("count"), bool)
        or not 0 <= answer["count"] <= COUNT_MAX
    ]
    inconsistent = [
        str(answer.get("sku"))
        for answer in answers
        if answer.get("out_of_stock") is True and answer.get("count") != 0
    ]
    return [
        Check(
            "answers_complete",
            not (missing or unknown or repeated),
            {"missing": missing, "unknown": unknown, "repeated": repeated},
        ),
        Check("counts_plausible", not bad_counts, {"skus": bad_counts, "max": COUNT_MAX}),
        Check("out_of_stock_consistent", not inconsistent, {"skus": inconsistent}),
        Check(
            "photos_required",
            photos_sent >= photos_required,
            {"sent": photos_sent, "required": photos_required},
        ),
    ]


@dataclass(frozen=True)
class Decision:
    status: str  # approved | rejected | in_review
    reasons: list[str]  # why it was rejected: the failed hard checks
    flags: list[str]  # what a reviewer should look at first: the failed soft checks


def decide(
    photo_reports: Sequence[Sequence[Check]],
    other_checks: Sequence[Check],
    *,
    review_required: bool = False,
) -> Decision:
    """What the checks add up to. The machine rejects only on hard evidence, never on doubt.

    A photo is usable when it passed every hard check; a submission without one is
    rejected, as is any hard failure outside the photos (a photo reused from another
    submission). Any soft failure, an unusable photo beside usable ones, or a campaign
    that wants a human, goes to review.
    """
    usable = [checks for checks in photo_reports if all(c.passed for c in checks if c.hard)]
    reasons = sorted({c.name for c in other_checks if c.hard and not c.passed})
    if not usable:
        reasons = sorted({*reasons, "no_usable_photo"})
    if reasons:
        return Decision("rejected", reasons, [])
    soft = [c for checks in usable for c in checks] + list(other_checks)
    flags = sorted(
        {c.name for c in soft if not c.passed}
        | ({"unusable_photo"} if len(usable) < len(photo_reports) else set())
    )
    if flags or review_required:
        return Decision("in_review", [], flags or ["campaign_requires_review"])
    return Decision("approved", [], [])
