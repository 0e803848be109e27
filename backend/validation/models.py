"""The machine's approvals set aside for a person's second look (see sampling.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow


class AuditSample(Base):
    """One machine approval drawn for an audit, written with the approval, never changed."""

    __tablename__ = "audit_samples"
    __table_args__ = (CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),)

    submission_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("submissions.id"), primary_key=True
    )
    # FAIRFIELD_AUDIT_SAMPLE_PERCENT when drawn: the setting may change, the sample's odds not.
    percent: Mapped[float] = mapped_column(Float)
    # The names of the checks that ran and passed, as the machine approved on them: what the
    # agreement by check is counted over, without reading every submission's evidence again.
    checks: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The audits' queue reads the oldest first.
    sampled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
