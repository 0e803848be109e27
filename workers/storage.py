"""Photo storage housekeeping."""

from __future__ import annotations

import time

from celery import shared_task

from backend.db import get_db
from backend.storage import photo_store
from backend.uploads import service

# An upload still being written after an hour belongs to a process that died.
ABANDONED_AFTER_S = 3600.0
# A photo stored a day ago that nothing names belongs to a request that failed after
# storing it; no request takes this long between storing its photos and committing.
ORPHANED_AFTER_S = 86400.0


@shared_task(name="storage.sweep_uploads", ignore_result=True)
def sweep_uploads() -> int:
    """Delete half-written upload files left by killed processes."""
    return photo_store().sweep_temporary(older_than_s=ABANDONED_AFTER_S)


@shared_task(name="storage.sweep_orphans", ignore_result=True)
def sweep_orphans() -> int:
    """Delete stored photos no submission names, a day after they were written."""
    with get_db().transaction(write=False) as session:
        return service.delete_orphaned_photos(
            db_session=session, store=photo_store(), cutoff=time.time() - ORPHANED_AFTER_S
        )
