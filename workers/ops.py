"""Operational tasks."""

from __future__ import annotations

import socket

from sqlalchemy.orm import Session

from backend.ops import service
from backend.outbox.tasks import outbox_task


@outbox_task(name="ops.complete_pipeline_check")
def complete_pipeline_check(db_session: Session, check_id: str) -> None:
    """Complete a pipeline check: proof that a worker consumed an outbox message."""
    service.complete_pipeline_check(
        db_session=db_session, check_id=check_id, hostname=socket.gethostname()
    )
