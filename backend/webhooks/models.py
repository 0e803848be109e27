"""Subscriptions, the messages sent to them, and each attempt to deliver one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.kernel.scoping import BrandOwned

MESSAGE_STATUSES = ("pending", "delivered", "failed")


class WebhookSubscription(BrandOwned, Base):
    """Where an organisation wants its events, signed with its own secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON)
    # Kept as given (`whsec_` and base64): every message is signed with it. Shown once.
    secret: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Messages in a row that exhausted their retries; a delivery accepted starts it over.
    failures_in_row: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None]


class WebhookMessage(Base):
    """One event for one subscription: its body (signed afresh at each attempt) and where
    its delivery stands. The id is the `webhook-id` header, the same on every attempt."""

    __tablename__ = "webhook_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status_known"),
        # The sweeper only reads pending messages, by when they are due.
        Index(
            "ix_webhook_messages_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    # The attempt after which it is given up: 0 for the retry schedule's last (whatever the
    # schedule is when it runs), or one more than those made when it is redelivered.
    last_attempt: Mapped[int] = mapped_column(default=0)
    # When the next attempt is due; while one is under way, when it is taken to have died.
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One attempt to deliver a message: what the receiver answered, and how fast."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_log", "subscription_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_messages.id", ondelete="CASCADE"), index=True
    )
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column()
    status_code: Mapped[int | None]
    duration_ms: Mapped[int] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookOnce(Base):
    """An event that fires once per object (a campaign's budget running low): its key."""

    __tablename__ = "webhook_once"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
