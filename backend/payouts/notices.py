"""The worker's notice that their money left: one per worker per paid batch, queued with it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.notices import rules as notice_rules
from backend.notices.service import queue_notice
from backend.payouts.models import PayoutBatch, PayoutRequest


def queue_payout_notices(*, db_session: Session, batch: PayoutBatch) -> None:
    """Queue `payout_sent` to each worker the batch pays: the amount (all their transfers in
    it) and each account by its IBAN's last four; once per batch and worker."""
    rows = db_session.execute(
        select(PayoutRequest.worker_id, PayoutRequest.amount_minor, PayoutRequest.iban)
        .where(PayoutRequest.batch_id == batch.id)
        .order_by(PayoutRequest.requested_at, PayoutRequest.id)
    )
    paid: dict[str, int] = defaultdict(int)
    accounts: dict[str, list[str]] = defaultdict(list)
    for worker_id, amount_minor, iban in rows:
        paid[worker_id] += amount_minor
        masked = notice_rules.mask_iban(iban)
        if masked not in accounts[worker_id]:
            accounts[worker_id].append(masked)
    for worker_id, amount_minor in paid.items():
        queue_notice(
            db_session=db_session,
            kind=notice_rules.PAYOUT_SENT,
            worker_id=worker_id,
            act=f"payout:{batch.id}:{worker_id}",
            facts={
                "batch_id": batch.id,
                "amount": {"amount_minor": amount_minor, "currency": batch.currency},
                "accounts": accounts[worker_id],
            },
        )
