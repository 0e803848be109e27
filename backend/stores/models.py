"""Stores: where missions happen, each with a geofence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.kernel.scoping import BrandOwned


class Store(BrandOwned, Base):
    __tablename__ = "stores"
    __table_args__ = (
        UniqueConstraint("brand_id", "external_ref"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        CheckConstraint("geofence_m BETWEEN 25 AND 1000", name="geofence_range"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    chain: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    geofence_m: Mapped[int] = mapped_column(default=150)
    external_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


IMPORT_STATUSES = ("queued", "running", "done", "failed")


class StoreImport(BrandOwned, Base):
    """A store CSV imported by a task: its progress, counts and per-line errors."""

    __tablename__ = "store_imports"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    size_bytes: Mapped[int] = mapped_column(default=0)
    # Data lines in the file (blank ones aside); None until the task has counted them.
    total: Mapped[int | None]
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # [{line, field, detail}], the first ERRORS_KEPT of them.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The last line whose store is committed: a retried task goes on after it, so no line
    # is imported twice. 1 is the header.
    last_line: Mapped[int] = mapped_column(default=1)
    detail: Mapped[str | None] = mapped_column(String(500))  # why it failed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
