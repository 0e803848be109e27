"""Money in integer minor units: the type, reading it from a setting, writing it for people."""

from __future__ import annotations

import re
from typing import NamedTuple

from backend.config import BadSetting

_MONEY_SETTING = re.compile(r"(\d{1,12})(?:\.(\d{1,2}))? ([A-Z]{3})")


class Money(NamedTuple):
    amount_minor: int
    currency: str


def parse_money_setting(value: object, *, name: str = "FAIRFIELD_PAYOUT_MIN") -> Money:
    """'10.00 EUR' -> Money(1000, 'EUR'); anything else is refused, naming the setting."""
    match = _MONEY_SETTING.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise BadSetting(
            f"{name} must be an amount and a currency code like '10.00 EUR', not {value!r}."
        )
    whole, cents, currency = match.groups()
    return Money(int(whole) * 100 + int((cents or "0").ljust(2, "0")), currency)


def format_money(amount_minor: int, currency: str) -> str:
    """1050, 'EUR' -> '10.50 EUR', for messages people read."""
    sign = "-" if amount_minor < 0 else ""
    whole, cents = divmod(abs(amount_minor), 100)
    return f"{sign}{whole}.{cents:02d} {currency}"
