"""Response shapes for money: a worker's balance and ledger lines."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from apiflask.validators import Regexp

from backend.schemas import Money


class SignedMoney(Schema):
    """Money moved by one ledger line: negative when it left the account."""

    amount_minor = Integer(required=True, strict=True)
    currency = String(required=True, validate=Regexp(r"^[A-Z]{3}$"))


class LedgerLineOut(Schema):
    id = String()
    transaction_id = String()
    kind = String(metadata={"description": "submission_credit, payout_request, ..."})
    amount = Nested(SignedMoney)
    created_at = DateTime()
    submission_id = String(allow_none=True)
    memo = String(allow_none=True)


class EarningsOut(Schema):
    balance = Nested(Money, metadata={"description": "The sum of the worker's ledger lines."})
    items = List(Nested(LedgerLineOut))
    next_cursor = String(allow_none=True)


class TopUpIn(Schema):
    amount = Nested(
        Money, required=True, metadata={"description": "paid in; more than zero, in EUR"}
    )


class BrandBalanceOut(Schema):
    balance = Nested(
        Money,
        metadata={
            "description": "what the organisation paid in and no campaign holds: the rounds "
            "of its recurring campaigns are funded from it, and a closed round's unclaimed "
            "missions give theirs back to it"
        },
    )
