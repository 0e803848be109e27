"""Appeals: a worker's answer to a rejection, decided by an admin other than the rejecter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
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


class ReviewQueueCount(Base):
    """How many submissions wait in review alike in all the queue's counts tell apart: their
    flags (as stored), whether a check doubted them (rank 0), brand and campaign.

    Kept by triggers on `submissions` (migration 0028), so that every write path counts, and
    read summed by key: the queue's counts read a few rows here, not every waiting submission
    joined to its mission. On PostgreSQL a trigger only appends a row of +1 or -1 (and now and
    then folds the rows nobody holds into one per key), so that two decisions never wait for
    each other on a counter's row; SQLite, one writer at a time, keeps one row per key. No
    foreign keys: each insert would lock the brand's and the campaign's rows against a FOR
    UPDATE of them (a rejection's, a round's funding) for the rest of the decision."""

    __tablename__ = "review_queue_counts"
    __table_args__ = (
        Index("ix_review_queue_counts_key", "brand_id", "campaign_id", "review_rank", "flags"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    flags: Mapped[str] = mapped_column(Text)
    review_rank: Mapped[int] = mapped_column(SmallInteger)
    brand_id: Mapped[str] = mapped_column(String(36))
    campaign_id: Mapped[str] = mapped_column(String(36))
    waiting: Mapped[int]
