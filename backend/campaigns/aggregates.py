"""Pure arithmetic of a campaign's results: coverage, out-of-stock rates, facings, spend."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Ledger transaction kinds that move a campaign's budget (see backend/ledger/service.py).
FUNDING = "campaign_funding"
CREDIT = "submission_credit"
RELEASE = "campaign_release"  # a closed round's unclaimed missions' money, back to the brand

# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection);
# tab and carriage return hide the same trick behind whitespace.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def median(values: Sequence[int]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    return float(statistics.median(values)) if values else None


def coverage(*, missions: int, with_results: int) -> dict[str, Any]:
    """How many of a campaign's missions brought an approved result, as counts and a ratio."""
    return {
        "missions": missions,
        "with_results": with_results,
        "ratio": ratio(with_results, missions) or 0.0,
    }


def product_figures(
    products: Sequence[tuple[str, str]], answer_lists: Iterable[Sequence[Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """Per product: approved answers, how many said out of stock, the rate, median facings.

    Every answer with a count is counted, out-of-stock ones (count 0) included: the median
    is that of the shelves as the workers found them.
    """
    counts: dict[str, list[int]] = {sku: [] for sku, _name in products}
    out: dict[str, int] = dict.fromkeys(counts, 0)
    for answers in answer_lists:
        for answer in answers:
            sku = answer["sku"]
            if sku not in counts or answer.get("count") is None:
                continue
            counts[sku].append(int(answer["count"]))
            out[sku] += bool(answer.get("out_of_stock"))
    return [
        {
            "sku": sku,
            "name": name,
            "answers": len(counts[sku]),
            "out_of_stock": out[sku],
            "out_of_stock_rate": ratio(out[sku], len(counts[sku])),
            "median_facings": median(counts[sku]),
        }
        for sku, name in products
    ]


def spend(sums_by_kind: Mapping[str, int], currency: str) -> dict[str, dict[str, Any]]:
    """Funded, spent and remaining from the sums of a campaign account's entries by kind.

    Funding credits the account and approvals debit it; what remains is the account's
    balance, every kind included, so a movement of a kind added later is not lost. Money a
    closed round gave back to the brand was never funding spent: it is netted out of funded.
    """
    funded = sums_by_kind.get(FUNDING, 0) + sums_by_kind.get(RELEASE, 0)
    spent = -sums_by_kind.get(CREDIT, 0)
    remaining = sum(sums_by_kind.values())
    return {
        "funded": {"amount_minor": funded, "currency": currency},
        "spent": {"amount_minor": spent, "currency": currency},
        "remaining": {"amount_minor": remaining, "currency": currency},
    }


def csv_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: text that could start a formula gets a quote.

    Numbers pass untouched: Python formats them, so they carry no formula, and a quote
    would turn a western longitude such as -0.12 into text.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
