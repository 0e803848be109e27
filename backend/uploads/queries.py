"""What the API shows of a resumable submission's uploads. Reads only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.kernel.scoping import get_visible
from backend.storage import PhotoStore
from backend.submissions.models import Submission
from backend.uploads.models import Upload
from backend.uploads.presenters import submission_uploads_out
from backend.uploads.service import upload_progress


def submission_uploads(
    *, db_session: Session, submission_id: str, user: User, store: PhotoStore
) -> dict[str, Any]:
    """A submission's uploads and how far each got, for its worker (and admins)."""
    submission = get_visible(db_session, Submission, submission_id, user)
    uploads = db_session.scalars(
        select(Upload).where(Upload.submission_id == submission.id).order_by(Upload.position)
    ).all()
    return submission_uploads_out(
        submission,
        [upload_progress(u, 0 if u.completed_at else store.partial_size(u.id)) for u in uploads],
    )
