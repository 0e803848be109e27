"""Missions: one store's audit within a campaign."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.accounts.auth import BrandOwned
from backend.db import Base, new_id, utcnow

MISSION_STATUSES = (
    "draft",
    "open",
    "claimed",
    "submitted",
    "completed",
    "cancelled",
    "expired",
)


class Mission(BrandOwned, Base):
    __tablename__ = "missions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "store_id"),
        CheckConstraint(
            "status IN ('draft', 'open', 'claimed', 'submitted', 'completed', "
            "'cancelled', 'expired')",
            name="status_known",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    # Copied from the campaign and store so the hot queries (nearby, scoping) need no join.
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    reward_amount_minor: Mapped[int]
    reward_currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
