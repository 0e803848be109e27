"""Pure payout rules: bank details, lateness, batch totals, the SEPA file.

Nothing here touches a database, so every rule is tested on its own. Amounts are integer
minor units; like the rest of Fairfield, a currency is taken to have two decimals.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sepaxml import SepaTransfer

from backend.kernel.bank import sepa_text
from backend.kernel.money import Money

SEPA_SCHEMA = "pain.001.001.03"
HOLDER_NAME_MAX = 70  # SEPA's limit for a creditor name, and the column's
SEPA_ID_MAX = 35  # MsgId, PmtInfId and EndToEndId are all Max35Text
UNPAID = ("pending", "batched")
# What an erased account leaves in a payout request's IBAN and holder name: not an IBAN, so
# no SEPA file can be built from it.
ERASED_BANK_FIELD = "ERASED"


def shortfall(*, balance_minor: int, minimum_minor: int) -> int:
    """How much more the balance needs before it may be paid out (0: it may).

    A payout moves money, so even a minimum of zero needs a positive balance.
    """
    return max(max(minimum_minor, 1) - balance_minor, 0)


def clean_holder_name(value: str) -> str:
    """The account holder's name, trimmed; ValueError if a bank could not carry it."""
    name = value.strip()
    if not name:
        raise ValueError("The account holder's name is required.")
    if len(name) > HOLDER_NAME_MAX:
        raise ValueError(f"At most {HOLDER_NAME_MAX} characters.")
    # Cc/Cf: tabs, newlines, bidi overrides; Zl/Zp: line and paragraph separators.
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Co", "Cs"} for ch in name):
        raise ValueError("Control characters are not allowed.")
    if not any(ch.isalpha() for ch in sepa_text(name, HOLDER_NAME_MAX)):
        raise ValueError("The name must contain letters a bank can print.")
    return name


def mask_iban(iban: str) -> str:
    """Enough of an IBAN to recognise it (country and last four), not to use it."""
    if len(iban) <= 6:
        return "*" * len(iban)
    return iban[:2] + "*" * (len(iban) - 6) + iban[-4:]


def _short_id(object_id: str, prefix: str) -> str:
    compact = prefix + object_id.replace("-", "")
    if len(compact) > SEPA_ID_MAX:
        raise ValueError(f"{object_id!r} does not fit a {SEPA_ID_MAX}-character SEPA id")
    return compact


def end_to_end_id(request_id: str) -> str:
    """The transfer's EndToEndId: the request's UUID without dashes (32 characters), so a
    bank statement line leads back to the request."""
    return _short_id(request_id, "")


def message_id(batch_id: str) -> str:
    """The batch's SEPA MsgId, fixed when the batch is made."""
    return _short_id(batch_id, "FFB")


def payment_info_id(batch_id: str) -> str:
    """The batch's one PmtInfId."""
    return _short_id(batch_id, "FFP")


def late_cutoff(*, now: datetime, sla_days: int) -> datetime:
    """Unpaid requests made before this instant are late."""
    return now - timedelta(days=sla_days)


def is_late(*, status: str, requested_at: datetime, now: datetime, sla_days: int) -> bool:
    """A request not yet paid that is older than the SLA."""
    return status in UNPAID and requested_at < late_cutoff(now=now, sla_days=sla_days)


def batch_total(amounts: Iterable[Money]) -> tuple[Money, int]:
    """The total and count of a batch's amounts, all in one currency."""
    items = list(amounts)
    currencies = {item.currency for item in items}
    if len(currencies) != 1:
        raise ValueError(f"a batch is in exactly one currency, not {sorted(currencies)}")
    total = sum(item.amount_minor for item in items)
    if total <= 0 or any(item.amount_minor <= 0 for item in items):
        raise ValueError("a batch pays positive amounts")
    return Money(total, currencies.pop()), len(items)


@dataclass(frozen=True)
class Debtor:
    name: str
    iban: str
    bic: str | None


@dataclass(frozen=True)
class Transfer:
    request_id: str
    holder_name: str
    iban: str
    bic: str | None
    amount_minor: int


class _FixedTransfer(SepaTransfer):
    """sepaxml with our ids and time instead of random ones and now(): a re-export of a
    batch is the same file, byte for byte, so a bank's duplicate check recognises it."""

    def __init__(self, config: dict[str, Any], *, msg_id: str, pmt_inf_id: str, at: str):
        self._fixed = (msg_id, pmt_inf_id, at)
        super().__init__(config, schema=SEPA_SCHEMA)

    def _create_header(self) -> None:
        super()._create_header()
        header = self._xml.find("CstmrCdtTrfInitn/GrpHdr")
        msg_id, _, at = self._fixed
        header.find("MsgId").text = msg_id
        header.find("CreDtTm").text = at

    def _finalize_batch(self) -> None:
        super()._finalize_batch()
        ids = list(self._xml.iter("PmtInfId"))
        assert len(ids) == 1, "one execution date, one payment information block"
        ids[0].text = self._fixed[1]


def sepa_document(
    *,
    debtor: Debtor,
    batch_id: str,
    created_at: datetime,
    currency: str,
    transfers: Sequence[Transfer],
) -> bytes:
    """A pain.001.001.03 credit transfer, one transaction per request, checked against the
    schema sepaxml ships (a file the bank would refuse fails here, not at the bank)."""
    config: dict[str, Any] = {
        "name": sepa_text(debtor.name, HOLDER_NAME_MAX),
        "IBAN": debtor.iban,
        "currency": currency,
        "batch": True,
    }
    if debtor.bic:
        config["BIC"] = debtor.bic
    document = _FixedTransfer(
        config,
        msg_id=message_id(batch_id),
        pmt_inf_id=payment_info_id(batch_id),
        at=created_at.strftime("%Y-%m-%dT%H:%M:%S"),  # UTC, as stored
    )
    for transfer in transfers:
        payment: dict[str, Any] = {
            "name": sepa_text(transfer.holder_name, HOLDER_NAME_MAX),
            "IBAN": transfer.iban,
            "amount": transfer.amount_minor,
            "currency": currency,
            "execution_date": created_at.date(),
            "description": f"Fairfield payout {transfer.request_id}",
            "endtoend_id": end_to_end_id(transfer.request_id),
        }
        if transfer.bic:
            payment["BIC"] = transfer.bic
        document.add_payment(payment)
    out: bytes = document.export(validate=True)
    return out
