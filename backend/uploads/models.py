"""Resumable uploads: one per photo a submission declared, filled chunk by chunk."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id


class Upload(Base):
    """A photo on its way in. The bytes so far live in the photo store's partial file (its
    size is the offset); the row holds what the bytes must add up to."""

    __tablename__ = "uploads"
    __table_args__ = (
        UniqueConstraint("submission_id", "position"),
        CheckConstraint("length > 0", name="length_positive"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    position: Mapped[int]
    length: Mapped[int] = mapped_column(BigInteger)
    # What the phone said the whole photo hashes to: checked before the photo is accepted.
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
