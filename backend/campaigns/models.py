"""Campaigns: a brand's audit, its products, and the reward per store."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.campaigns.forms import DEFAULT_QUESTIONS
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
    # A server default (questions) is read when first used, not RETURNed by every insert:
    # code of an older revision, as the migration tests run, inserts without the column.
    __mapper_args__ = {"eager_defaults": False}

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
    # The form (campaigns.forms): the questions a worker answers. Left unset, the database
    # fills in today's products as a form, as 0019 did for every campaign made before forms
    # (a row written without the column, as code of an older revision writes it, gets it too).
    questions: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, server_default=json.dumps(list(DEFAULT_QUESTIONS))
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    # Recurring (campaigns.rounds): a new round of missions every so many days; None, one.
    schedule: Mapped[CampaignSchedule | None] = relationship(
        cascade="all, delete-orphan", uselist=False
    )

    @property
    def reward(self) -> dict[str, int | str]:
        return {"amount_minor": self.reward_amount_minor, "currency": self.reward_currency}

    products: Mapped[list[CampaignProduct]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="CampaignProduct.sku"
    )


class CampaignSchedule(Base):
    """A recurring campaign's clock, and why the round that is due is held, if it is."""

    __tablename__ = "campaign_schedules"
    __table_args__ = (CheckConstraint("every_days BETWEEN 1 AND 365", name="every_days_range"),)

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    every_days: Mapped[int]
    # Why the round that is due did not open (campaigns.rounds.HOLDS), and since when; None
    # while rounds open as they fall due.
    hold: Mapped[str | None] = mapped_column(String(32))
    hold_since: Mapped[datetime | None]


class CampaignRound(Base):
    """One round of a campaign: when it opened and what its opening paid in."""

    __tablename__ = "campaign_rounds"

    campaign_id: Mapped[str] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    round: Mapped[int] = mapped_column(primary_key=True)
    opened_at: Mapped[datetime]
    funded_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))


class CampaignProduct(Base):
    __tablename__ = "campaign_products"
    __table_args__ = (UniqueConstraint("campaign_id", "sku"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    campaign: Mapped[Campaign] = relationship(back_populates="products")
