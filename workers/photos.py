"""Photo copies: the review size and the thumbnail, made once a photo is stored."""

from __future__ import annotations

from celery import Task, shared_task

from backend.db import get_db
from backend.outbox import service as outbox
from backend.settings import current_settings
from backend.storage import photo_store
from backend.submissions import photos


@shared_task(name=photos.VARIANTS_TASK, bind=True, ignore_result=True)
def make_photo_variants(self: Task, submission_id: str) -> int:
    """Make the smaller copies of a submission's photos that are missing; how many made."""
    database = get_db()
    with database.transaction(write=False) as session:
        digests = photos.submission_digests(db_session=session, submission_id=submission_id)
    # Decoded and written outside any transaction: no write lock is held meanwhile. A copy
    # already there is kept, so a second delivery of the message writes nothing.
    made = photos.make_variants(
        store=photo_store(), digests=digests, max_pixels=current_settings().photo_max_pixels
    )
    with database.transaction() as session:
        outbox.consume_once(db_session=session, message_id=self.request.id)
    return made
