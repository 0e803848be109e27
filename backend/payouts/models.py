"""Payout requests (a worker's balance on its way to their bank) and the batches that send them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Float, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id


class PayoutBatch(Base):
    __tablename__ = "payout_batches"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'paid')", name="status_known"),
        CheckConstraint("total_minor > 0 AND count > 0", name="not_empty"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(8), default="open")
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int]
    # The SEPA message id (at most 35 characters), fixed at creation so a re-export is identical.
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None]
    # The ledger transaction that settled the batch: transit to bank, once.
    settlement_id: Mapped[str | None] = mapped_column(
        ForeignKey("ledger_transactions.id"), unique=True
    )


class PayoutRequest(Base):
    __tablename__ = "payout_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'batched', 'paid')", name="status_known"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        # The rest beside: the payout delays read the index alone.
        Index(
            "ix_payout_requests_status_requested",
            "status",
            "requested_at",
            "paid_at",
            "paid_after_seconds",
        ),
        # A quantile of the payout delays: two values at an offset along this, no sort.
        Index("ix_payout_requests_paid_after", "status", "paid_after_seconds", "requested_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    worker_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    holder_name: Mapped[str] = mapped_column(String(70))  # SEPA's limit for a creditor name
    status: Mapped[str] = mapped_column(String(8), default="pending")
    batch_id: Mapped[str | None] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    # The ledger transaction that moved the amount from the worker into transit.
    transaction_id: Mapped[str] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    # Seconds from request to payment, kept as it is paid for the fairness figures' quantiles.
    paid_after_seconds: Mapped[float | None] = mapped_column(Float)
    # Asked by a worker closing their account: the minimum was waived, and these bank details
    # outlive the erasure until the batch is paid.
    final: Mapped[bool] = mapped_column(default=False, server_default=false())
