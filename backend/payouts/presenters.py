"""What the API shows of payout requests and batches, built from their rows. No session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.payouts import rules
from backend.payouts.models import PayoutBatch, PayoutRequest


def money_out(amount_minor: int, currency: str) -> dict[str, Any]:
    """An amount as the API shows money: minor units and the currency."""
    return {"amount_minor": amount_minor, "currency": currency}


def payout_request_out(
    payout: PayoutRequest, *, now: datetime | None = None, sla_days: int | None = None
) -> dict[str, Any]:
    """A request as the API shows it: the IBAN masked, `late` when the SLA is given."""
    shown: dict[str, Any] = {
        "id": payout.id,
        "worker_id": payout.worker_id,
        "amount": money_out(payout.amount_minor, payout.currency),
        "status": payout.status,
        "iban": rules.mask_iban(payout.iban),
        "bic": payout.bic,
        "holder_name": payout.holder_name,
        "requested_at": payout.requested_at,
        "batch_id": payout.batch_id,
        "paid_at": payout.paid_at,
        "final": payout.final,
    }
    if now is not None and sla_days is not None:
        shown["late"] = rules.is_late(
            status=payout.status, requested_at=payout.requested_at, now=now, sla_days=sla_days
        )
    return shown


def batch_out(batch: PayoutBatch) -> dict[str, Any]:
    """A batch as the API shows it."""
    return {
        "id": batch.id,
        "total": money_out(batch.total_minor, batch.currency),
        "count": batch.count,
        "status": batch.status,
        "created_at": batch.created_at,
        "created_by": batch.created_by,
        "message_id": batch.message_id,
        "paid_at": batch.paid_at,
        "paid_by": batch.paid_by,
        "settlement_id": batch.settlement_id,
    }
