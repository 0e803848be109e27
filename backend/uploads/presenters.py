"""What the API shows of resumable uploads, built from their states. No session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.submissions.models import Submission
from backend.uploads.service import UploadState
from backend.urls import upload_url


def upload_out(state: UploadState) -> dict[str, Any]:
    """An upload: its declared size and digest, how far it got, where its bytes go."""
    return {
        "id": state.id,
        "position": state.position,
        "size": state.length,
        "sha256": state.sha256,
        "offset": state.offset,
        "complete": state.complete,
        "expires_at": state.expires_at,
        "url": upload_url(state.id),
    }


def submission_uploads_out(
    submission: Submission, uploads: Sequence[UploadState]
) -> dict[str, Any]:
    """A resumable submission with its uploads, in photo order."""
    return {
        "submission_id": submission.id,
        "status": submission.status,
        "uploads": [upload_out(u) for u in uploads],
    }
