"""Submissions: a worker's evidence for one assignment, its photos, and every decision on it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    and_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.kernel.scoping import WorkerAndBrandOwned

if TYPE_CHECKING:
    from backend.accounts.models import User

# `uploading`: declared, its photos still arriving (uploads); `abandoned`: they never all did.
SUBMISSION_STATUSES = (
    "uploading",
    "received",
    "validating",
    "in_review",
    "approved",
    "rejected",
    "appealed",
    "abandoned",
)
DECIDED = ("in_review", "approved", "rejected")
NULL = text("NULL")
# What the fairness indexes hold after the window's key: each figure reads the index alone.
FAIRNESS_COLUMNS = (
    "status",
    "outcome",
    "campaign_id",
    "decision_seconds",
    "credited_minor",
    "credited_currency",
)
# A brand sees a submission's photos once a decision says the evidence is good: not while a
# person may still reject it, nor after they did. A closed store's storefront alike.
PHOTOS_SHOWN_TO_BRANDS = "approved"


class Submission(WorkerAndBrandOwned, Base):
    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(
            "status IN ('uploading', 'received', 'validating', 'in_review', 'approved', "
            "'rejected', 'appealed', 'abandoned')",
            name="status_known",
        ),
        CheckConstraint("outcome IN ('completed', 'store_closed')", name="outcome_known"),
        # The implied-speed check reads the worker's submission captured just before.
        Index("ix_submissions_worker_captured", "worker_id", "captured_at"),
        Index("ix_submissions_status_received", "status", "received_at"),
        # Each worker's record (approved, rejected) beside every review queue item: counted
        # from the index alone, not from each of the worker's rows (about 90 at a million
        # ledger entries, for each of a page's fifty workers).
        Index("ix_submissions_worker_status", "worker_id", "status"),
        # The review queue's order, read a page at a time without sorting what waits.
        Index(
            "ix_submissions_review_queue",
            "review_rank",
            "received_at",
            "id",
            postgresql_where=text("status = 'in_review'"),
            sqlite_where=text("status = 'in_review'"),
        ),
        # The fairness figures over a window of receipts, platform-wide and per brand: each
        # a scan of one index and no join (backend/fairness/queries.py).
        Index("ix_submissions_fairness", "received_at", *FAIRNESS_COLUMNS),
        Index("ix_submissions_brand_fairness", "brand_id", "received_at", *FAIRNESS_COLUMNS),
        # A quantile of the decision times: two values at an offset along these, no sort.
        Index("ix_submissions_decision_seconds", "decision_seconds", "received_at"),
        Index(
            "ix_submissions_brand_decision_seconds", "brand_id", "decision_seconds", "received_at"
        ),
    )
    # The fairness columns' server default is read when first used, not RETURNed by every
    # insert (which an older revision's table would refuse).
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # One submission per assignment: the backstop of a double upload.
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), unique=True)
    mission_id: Mapped[str] = mapped_column(ForeignKey("missions.id"), index=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Raw position, kept FAIRFIELD_LOCATION_RETENTION_DAYS; then null, and only the location
    # check's verdict and distance remain (location_reduced_at says when).
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    location_reduced_at: Mapped[datetime | None]
    captured_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="received")
    # Every check with its evidence, as the pipeline found it: [{name, passed, detail, hard}].
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # review.rules.review_rank(flags), kept beside them: 0 when a check doubted the evidence.
    review_rank: Mapped[int] = mapped_column(SmallInteger, default=1, server_default=text("1"))
    decided_at: Mapped[datetime | None]
    # Kept beside the rows they come from, in the same transaction, for the fairness figures:
    # the mission's campaign (set at upload), the seconds from receipt to the first approval
    # or rejection (a later appeal's is not it; decisions.record_decision) and the credit's
    # positive entry (settlement.credit_approved). Null: no such decision or credit (yet).
    # Left to the database's default (null) when not given: an insert of an older revision's
    # code does not name them.
    campaign_id: Mapped[str | None] = mapped_column(String(36), server_default=NULL)
    decision_seconds: Mapped[float | None] = mapped_column(Float, server_default=NULL)
    credited_minor: Mapped[int | None] = mapped_column(BigInteger, server_default=NULL)
    credited_currency: Mapped[str | None] = mapped_column(String(3), server_default=NULL)

    @classmethod
    def photos_visible_to(cls, user: User) -> ColumnElement[bool]:
        """The submissions whose photos `user` may see: the worker's own, for admins all,
        for a brand its own once approved. Every way to a photo goes through this."""
        visible = cls.visible_to(user)
        if user.role == "brand":
            return and_(visible, cls.status == PHOTOS_SHOWN_TO_BRANDS)
        return visible


class Photo(Base):
    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("submission_id", "position"),
        # Near-duplicate lookup: the 64-bit perceptual hash cut into four 16-bit bands. Two
        # hashes within a few bits of each other agree on at least one band nearly exactly,
        # so a lookup is a handful of B-tree probes, never a scan (see validation/reuse.py).
        Index("ix_photos_band0", "band0", "phash"),
        Index("ix_photos_band1", "band1", "phash"),
        Index("ix_photos_band2", "band2", "phash"),
        Index("ix_photos_band3", "band3", "phash"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    position: Mapped[int]
    # Content address in the photo store; also the exact-reuse key.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by validation once the photo decoded; null for a photo that did not.
    phash: Mapped[int | None] = mapped_column(BigInteger)
    band0: Mapped[int | None]
    band1: Mapped[int | None]
    band2: Mapped[int | None]
    band3: Mapped[int | None]


class Decision(Base):
    """Every decision on a submission, by the machine or a person: append-only, an audit."""

    __tablename__ = "submission_decisions"
    __table_args__ = (
        CheckConstraint("status IN ('in_review', 'approved', 'rejected')", name="status_known"),
        # The machine decides each submission exactly once, whatever a redelivery does.
        Index(
            "uq_submission_decisions_machine",
            "submission_id",
            unique=True,
            postgresql_where=text("actor = 'machine'"),
            sqlite_where=text("actor = 'machine'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(16))  # machine | admin | deadline
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(String(2000))
    # What the decider had before them: the checks' verdicts, the photos, the delay.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    appeal_id: Mapped[str | None] = mapped_column(ForeignKey("appeals.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
