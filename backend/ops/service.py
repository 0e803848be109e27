"""Operational services: readiness probes and pipeline checks."""

from __future__ import annotations

from celery import Celery
from sqlalchemy import text
from sqlalchemy.orm import Session

from backend.errors import not_found
from backend.kernel.clock import utcnow
from backend.ops.models import PipelineCheck
from backend.outbox.tasks import enqueue
from backend.storage import PhotoStore


def database_ready(*, db_session: Session) -> tuple[bool, str]:
    try:
        db_session.execute(text("SELECT 1"))
    except Exception as exc:
        return False, type(exc).__name__
    return True, "ok"


def broker_ready(*, celery: Celery, timeout: float = 2.0) -> tuple[bool, str]:
    try:
        with celery.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        return False, type(exc).__name__
    return True, "ok"


def object_store_ready(*, store: PhotoStore) -> tuple[bool, str]:
    """The photo store: its folder writable, or its bucket reachable."""
    try:
        store.check_ready()
    except Exception as exc:
        return False, type(exc).__name__
    return True, "ok"


def request_pipeline_check(*, db_session: Session, requested_by: str | None) -> PipelineCheck:
    """Record a check and queue its task; a worker completes it once the request commits."""
    check = PipelineCheck(requested_by=requested_by)
    db_session.add(check)
    db_session.flush()
    enqueue(db_session, "ops.complete_pipeline_check", check.id)
    return check


def complete_pipeline_check(*, db_session: Session, check_id: str, hostname: str | None) -> None:
    """The task's effect: mark the check completed and count the run."""
    check = db_session.get(PipelineCheck, check_id)
    if check is None:
        raise not_found("pipeline check")
    check.runs += 1
    check.completed_at = check.completed_at or utcnow()
    check.worker_hostname = hostname
    db_session.flush()


def get_pipeline_check(*, db_session: Session, check_id: str) -> PipelineCheck:
    check = db_session.get(PipelineCheck, check_id)
    if check is None:
        raise not_found("pipeline check")
    return check
