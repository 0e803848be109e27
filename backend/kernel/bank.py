"""Bank details: IBAN and BIC checked and compacted, text in SEPA's character set.

In the kernel because both a worker's payout details and Fairfield's own account (the
FAIRFIELD_PAYOUT_DEBTOR_* settings, checked at start) are read with them.
"""

from __future__ import annotations

import re

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from text_unidecode import unidecode

# The Latin subset every SEPA bank accepts; anything else is transliterated or dropped.
_NOT_SEPA_TEXT = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]+")


def normalize_iban(value: str) -> str:
    """The IBAN in its compact form, or ValueError saying why it is not one we can pay."""
    try:
        iban = IBAN(value)
    except SchwiftyException as exc:
        raise ValueError(f"Not a valid IBAN: {exc}") from exc
    if not iban.in_sepa_zone:
        raise ValueError("Payouts go out by SEPA transfer; this IBAN is outside the SEPA zone.")
    return str(iban.compact)


def normalize_bic(value: str) -> str:
    """The BIC in its compact form, or ValueError."""
    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise ValueError(f"Not a valid BIC: {exc}") from exc


def sepa_text(value: str, limit: int) -> str:
    """Text in SEPA's Latin character set: transliterated, spaces collapsed, cut to `limit`."""
    latin = _NOT_SEPA_TEXT.sub(" ", unidecode(value))
    return " ".join(latin.split())[:limit].strip()
