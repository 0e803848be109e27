"""Resumable upload housekeeping."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from backend.db import get_db, utcnow
from backend.storage import photo_store
from backend.uploads import service


@shared_task(name="uploads.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """Accept uploads whose bytes are all in; abandon submissions whose uploads expired."""
    with get_db().transaction() as session:
        return service.sweep_uploads(
            db_session=session,
            store=photo_store(),
            max_photo_bytes=int(current_app.config["PHOTO_MAX_BYTES"]),
            now=utcnow(),
        )
