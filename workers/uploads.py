"""Resumable upload housekeeping."""

from __future__ import annotations

from celery import shared_task

from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.settings import current_settings
from backend.storage import photo_store
from backend.uploads import service


@shared_task(name="uploads.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Accept uploads whose bytes are all in; abandon submissions whose uploads expired."""
    store, max_bytes, now = photo_store(), current_settings().photo_max_bytes, utcnow()
    # Photos are hashed and stored first, outside the write transaction that accepts them.
    with get_db().transaction(write=False) as session:
        ready = service.ready_uploads(db_session=session, store=store, now=now)
    stored = service.store_ready_uploads(ready, store=store, max_photo_bytes=max_bytes)
    with get_db().transaction() as session:
        return service.sweep_uploads(
            db_session=session, store=store, max_photo_bytes=max_bytes, now=now, stored=stored
        )
