"""JSON shapes of what the campaign endpoints answer that is not a campaign row."""

from __future__ import annotations

from typing import Any

from backend.campaigns.rules import PayQuote, PayRules


def quote_out(
    quote: PayQuote, *, currency: str, pay: PayRules, form_minutes: int
) -> dict[str, Any]:
    """A pay quote: the rate against the floor, the least reward that passes, and whether."""

    def money(amount_minor: int) -> dict[str, Any]:
        return {"amount_minor": amount_minor, "currency": currency}

    return {
        "effective_hourly_rate": money(quote.rate_minor),
        "floor": money(pay.floor.amount_minor),
        "least_passing_reward": money(quote.least_reward_minor),
        "passes": quote.passes,
        "travel_minutes": pay.travel_allowance_minutes,
        "form_minutes": form_minutes,
    }
