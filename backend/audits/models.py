"""An admin's verdict on a sampled machine approval: agree, or not and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow


class Audit(Base):
    """One per sample, written once: the second look is a measurement, not a decision."""

    __tablename__ = "audits"
    __table_args__ = (
        CheckConstraint("agree OR reason_code IS NOT NULL", name="disagreement_has_reason"),
    )

    # One audit per sample: a second admin's POST is a 409 naming the first.
    submission_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("audit_samples.submission_id"), primary_key=True
    )
    agree: Mapped[bool]
    reason_code: Mapped[str | None] = mapped_column(String(32))
    comment: Mapped[str | None] = mapped_column(String(2000))
    audited_by: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    audited_at: Mapped[datetime] = mapped_column(default=utcnow)
