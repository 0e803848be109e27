"""Pipeline checks: a canary task sent through the outbox to prove the workers consume it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id


class PipelineCheck(Base):
    __tablename__ = "pipeline_checks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # How many times a worker ran the task's effect: exactly-once delivery keeps it at 1.
    runs: Mapped[int] = mapped_column(default=0)
    worker_hostname: Mapped[str | None] = mapped_column(String(200))

    @property
    def status(self) -> str:
        return "completed" if self.completed_at else "pending"
