"""Missions: one store's audit within a campaign."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.kernel.scoping import BrandOwned, WorkerOwned

MISSION_STATUSES = (
    "draft",
    "open",
    "claimed",
    "submitted",
    "completed",
    "cancelled",
    "expired",
    "store_closed",
)


class Mission(BrandOwned, Base):
    __tablename__ = "missions"
    __table_args__ = (
        UniqueConstraint("campaign_id", "store_id", "round"),
        CheckConstraint(
            "status IN ('draft', 'open', 'claimed', 'submitted', 'completed', "
            "'cancelled', 'expired', 'store_closed')",
            name="status_known",
        ),
        # The open missions' pay by campaign, for the fairness report's floor figures.
        Index(
            "ix_missions_open_pay",
            "campaign_id",
            "reward_amount_minor",
            "bonus_minor",
            "reward_currency",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
    )
    # The round's server default is read when first used, not RETURNed by every insert.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    store_id: Mapped[str] = mapped_column(ForeignKey("stores.id"), index=True)
    # Copied from the campaign and store so the hot queries (nearby, scoping) need no join.
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    reward_amount_minor: Mapped[int]
    reward_currency: Mapped[str] = mapped_column(String(3))
    # Extra pay for a store far from workers, on top of the campaign's reward (same currency).
    bonus_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # What a worker who finds the store closed is paid, fixed when the mission is published.
    show_up_minor: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A recurring campaign's round this mission belongs to (campaigns.rounds); 1 otherwise.
    # Left to the database when not given: code of an older revision inserts without it.
    round: Mapped[int] = mapped_column(server_default="1")


class Assignment(WorkerOwned, Base):
    """A worker's claim on a mission; at most one active per mission (partial unique index)."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint(
            "status IN ('active', 'submitted', 'released', 'expired')", name="status_known"
        ),
        # The backstop of exactly-once claims: two active claims on one mission cannot exist.
        Index(
            "uq_assignments_active_mission",
            "mission_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index("ix_assignments_worker_status", "worker_id", "status"),
        Index(
            "ix_assignments_active_expires",
            "expires_at",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    mission_id: Mapped[str] = mapped_column(ForeignKey("missions.id"), index=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
