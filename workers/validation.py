"""Validation tasks: check a submission's evidence and record the machine's decision."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from backend.db import get_db
from backend.outbox import service as outbox
from backend.settings import current_settings
from backend.storage import photo_store
from backend.validation import service

log = logging.getLogger(__name__)


@shared_task(name="validation.validate_submission", bind=True, ignore_result=True)
def validate_submission(self: Task, submission_id: str) -> None:
    """Validate a submission once: read, decode outside any transaction, then decide."""
    settings = service.settings_from(current_settings())
    database = get_db()
    with database.transaction(write=False) as session:
        evidence = service.gather(db_session=session, submission_id=submission_id)
    results = (
        service.inspect_photos(evidence, store=photo_store(), settings=settings)
        if evidence is not None
        else []
    )
    with database.transaction() as session:
        if not outbox.consume_once(db_session=session, message_id=self.request.id):
            return
        if evidence is None:
            return  # decided already, or gone: the message is closed, nothing else to do
        decision = service.record_validation(
            db_session=session, evidence=evidence, results=results, settings=settings
        )
    if decision is not None:
        log.info(
            "submission decided",
            extra={"submission_id": submission_id, "status": decision.status},
        )
