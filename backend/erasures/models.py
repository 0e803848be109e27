"""The erasure log: one row per erasure, written in the same transaction as the erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id


class ErasureLogEntry(Base):
    __tablename__ = "erasure_log"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # account (a worker erased), locations (positions reduced), bank_details (a paid final
    # request's IBAN overwritten): what a restore must do again.
    kind: Mapped[str] = mapped_column(String(32))
    # Ids only, never what was erased: the user, submissions or payout requests it touched.
    target_ids: Mapped[list[str]] = mapped_column(JSON)

    def as_line(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "kind": self.kind,
            "target_ids": self.target_ids,
        }
