"""Request and response shapes for payout requests and batches."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from marshmallow import ValidationError, post_load, validates

from backend.kernel import bank
from backend.payouts import rules
from backend.schemas import Money, PageQuery


class PayoutRequestIn(Schema):
    # Generous raw lengths: spaces and lower case are normalised away before the real checks.
    iban = String(required=True, validate=Length(min=1, max=64))
    holder_name = String(required=True, validate=Length(min=1, max=200))
    bic = String(load_default=None, allow_none=True, validate=Length(max=32))
    final = Boolean(
        load_default=False,
        metadata={
            "description": "The worker is closing their account: any positive balance is paid, "
            "whatever FAIRFIELD_PAYOUT_MIN; afterwards `DELETE /me` erases at once (these bank "
            "details are kept until the batch is paid), claims and plain requests answer 409 "
            "`account_closing`, and only another final request takes what is credited later."
        },
    )

    @validates("iban")
    def _iban(self, value: str, **_: Any) -> None:
        _check(bank.normalize_iban, value)

    @validates("holder_name")
    def _holder_name(self, value: str, **_: Any) -> None:
        _check(rules.clean_holder_name, value)

    @validates("bic")
    def _bic(self, value: str | None, **_: Any) -> None:
        if value is not None:
            _check(bank.normalize_bic, value)

    @post_load
    def _normalize(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["iban"] = bank.normalize_iban(data["iban"])
        data["holder_name"] = rules.clean_holder_name(data["holder_name"])
        if data.get("bic") is not None:
            data["bic"] = bank.normalize_bic(data["bic"])
        return data


def _check(rule: Any, value: str) -> None:
    try:
        rule(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class PayoutRequestOut(Schema):
    id = String()
    amount = Nested(Money)
    status = String(metadata={"enum": ["pending", "batched", "paid"]})
    iban = String(metadata={"description": "Masked: country code and last four characters"})
    bic = String(allow_none=True)
    holder_name = String()
    requested_at = DateTime()
    batch_id = String(allow_none=True)
    paid_at = DateTime(allow_none=True)
    final = Boolean(metadata={"description": "Asked when closing the account"})


class PayoutRequestListOut(Schema):
    items = List(Nested(PayoutRequestOut))
    next_cursor = String(allow_none=True)


class AdminPayoutRequestOut(PayoutRequestOut):
    worker_id = String()
    late = Boolean(metadata={"description": "Not paid and older than FAIRFIELD_PAYOUT_SLA_DAYS"})


class AdminPayoutRequestListOut(Schema):
    items = List(Nested(AdminPayoutRequestOut))
    next_cursor = String(allow_none=True)


class PayoutRequestQuery(PageQuery):
    status = String(load_default=None, validate=OneOf(["pending", "batched", "paid"]))
    late = Boolean(load_default=None, allow_none=True)


class PayoutBatchOut(Schema):
    id = String()
    total = Nested(Money)
    count = Integer()
    status = String(metadata={"enum": ["open", "paid"]})
    created_at = DateTime()
    created_by = String()
    message_id = String(metadata={"description": "The SEPA MsgId of the batch's file"})
    paid_at = DateTime(allow_none=True)
    paid_by = String(allow_none=True)
    settlement_id = String(
        allow_none=True, metadata={"description": "The ledger transaction that settled it"}
    )


class PayoutBatchDetailOut(PayoutBatchOut):
    requests = List(Nested(AdminPayoutRequestOut))


class PayoutBatchListOut(Schema):
    items = List(Nested(PayoutBatchOut))
    next_cursor = String(allow_none=True)
