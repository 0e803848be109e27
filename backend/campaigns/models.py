"""Campaigns: a brand's audit, its products, and the reward per store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.kernel.scoping import BrandOwned

CAMPAIGN_STATUSES = ("draft", "published", "cancelled")


class Campaign(BrandOwned, Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'published', 'cancelled')", name="status_known"),
        CheckConstraint("reward_amount_minor > 0", name="reward_positive"),
        CheckConstraint("ends_at > starts_at", name="window_ordered"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(String(5000))
    # What the photos must show, told to the worker with the task.
    photo_instructions: Mapped[str | None] = mapped_column(String(2000))
    photos_required: Mapped[int]
    # Every submission goes to a person, even one the machine would approve.
    review_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    reward_amount_minor: Mapped[int]
    reward_currency: Mapped[str] = mapped_column(String(3))
    est_minutes: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    @property
    def reward(self) -> dict[str, int | str]:
        return {"amount_minor": self.reward_amount_minor, "currency": self.reward_currency}

    products: Mapped[list[CampaignProduct]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignProduct.sku"
    )


class CampaignProduct(Base):
    __tablename__ = "campaign_products"
    __table_args__ = (UniqueConstraint("campaign_id", "sku"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    campaign: Mapped[Campaign] = relationship(back_populates="products")
