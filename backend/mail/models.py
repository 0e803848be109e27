"""Mail to send: one row a message, so a resent task finds it sent and sends nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id

STATUSES = ("queued", "sent", "cancelled", "failed")


class MailMessage(Base):
    """What to send, to whom and in which language; the text is composed when it is sent
    (a link's secret is made then), so no secret is ever stored here."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'cancelled', 'failed')", name="status_known"),
    )

    # Also the Message-ID's left part: a copy sent twice after a crash is one message.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(32))
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    locale: Mapped[str] = mapped_column(String(5))
    # What the mail is about (a user's id for account mail), for the composer and erasure.
    ref_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # What a notice tells (a decision's reasons, an amount, an IBAN's last four), recorded
    # with the act it reports; the words are chosen when it is sent. Never a secret.
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
