"""Appeals: a worker's answer to a rejection, decided by an admin other than the rejecter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id

APPEAL_STATUSES = ("open", "approved", "rejected")


class Appeal(Base):
    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'approved', 'rejected')", name="status_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # One appeal per submission: a second look, not an endless loop.
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), unique=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    message: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    # Who rejected (null when the machine did): they may not decide the appeal.
    rejected_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]


class ReviewLease(Base):
    """An admin's short hold on a submission in review, so no one else works it unknowingly.

    One row per submission at most: taking it is one upsert that only overwrites a lease of
    the same admin or one that has run out (see leases.py). A decision drops it.
    """

    __tablename__ = "review_leases"

    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True
    )
    admin_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
