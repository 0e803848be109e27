"""The transactional outbox: tasks to send, written in the same transaction as their cause."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        # The sweeper only ever looks at messages not yet done; keep that index small.
        Index(
            "ix_outbox_messages_pending",
            "created_at",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

    # Doubles as the Celery task id, so a consumer can find and close its message.
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    task_name: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_sent_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    # The writer's request id and W3C trace context (traceparent, tracestate), sent as the
    # task's message headers: the sweeper may send it long after the request ended.
    trace_context: Mapped[dict[str, str] | None] = mapped_column(JSON)
