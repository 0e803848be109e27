"""Ledger check runs: each run of the ledger check as a task, and what it found."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id

RUN_STATUSES = ("queued", "running", "passed", "failed")
TRIGGERS = ("manual", "nightly")


class LedgerCheckRun(Base):
    __tablename__ = "ledger_check_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'passed', 'failed')", name="status_known"),
        CheckConstraint("trigger IN ('manual', 'nightly')", name="trigger_known"),
        # The latest run is the newest created one.
        Index("ix_ledger_check_runs_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    trigger: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Every discrepancy found, in check order (each check's first PROBLEMS_KEPT).
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    # [{name, problems, count}] in the order the checks ran; empty until finished.
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # What the check covered: {transactions: n, entries: n, ...}; empty until finished.
    covered: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
