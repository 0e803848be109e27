"""Photo storage housekeeping."""

from __future__ import annotations

from celery import shared_task

from backend.storage import photo_store

# An upload still being written after an hour belongs to a process that died.
ABANDONED_AFTER_S = 3600.0


@shared_task(name="storage.sweep_uploads", ignore_result=True)
def sweep_uploads() -> int:
    """Delete half-written upload files left by killed processes."""
    return photo_store().sweep_temporary(older_than_s=ABANDONED_AFTER_S)
