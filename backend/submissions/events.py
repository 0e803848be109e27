"""`submission.approved` told by webhook, with the result row: its answers and its photos as
links that live as long as an export's (FAIRFIELD_EXPORT_LINK_TTL_SECONDS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.campaigns import events as campaign_events
from backend.settings import current_settings
from backend.submissions.answers import normal_answers
from backend.submissions.models import Photo, Submission
from backend.submissions.rules import ERASED_SHA256
from backend.urls import photo_url
from backend.webhooks import service as webhooks


def submission_approved(
    *,
    db_session: Session,
    submission_id: str,
    brand_id: str,
    mission_id: str,
    campaign_id: str,
    store_id: str,
    outcome: str,
    now: datetime,
) -> None:
    """Emit `submission.approved` (the approval at `now` of the submission, which its caller
    read with its mission), then what the approval did to its campaign."""
    if webhooks.listening(
        db_session=db_session, brand_id=brand_id, event_type="submission.approved"
    ):
        webhooks.emit(
            db_session=db_session,
            brand_id=brand_id,
            event_type="submission.approved",
            data={
                "submission_id": submission_id,
                "mission_id": mission_id,
                "campaign_id": campaign_id,
                "store_id": store_id,
                "outcome": outcome,
                **_result(db_session, submission_id, brand_id),
                # The approval's own time: a row the session holds may have been read before.
                "approved_at": now.isoformat(),
            },
            now=now,
        )
    campaign_events.campaign_moved(db_session=db_session, campaign_id=campaign_id, now=now)


def _result(db_session: Session, submission_id: str, brand_id: str) -> dict[str, Any]:
    """The event's answers and photos, as the brand's results show them."""
    settings = current_settings()
    owners = webhooks.owners(db_session=db_session, brand_id=brand_id)
    # The links are signed for an owner of the organisation: they work while that owner may
    # see the photo, like an export's.
    viewer = owners[0].id if owners else None
    rows = db_session.execute(
        select(Submission.answers, Photo.id, Photo.sha256)
        .outerjoin(Photo, Photo.submission_id == Submission.id)
        .where(Submission.id == submission_id)
        .order_by(Photo.position)
    ).all()
    photos = [(photo_id, sha256) for _answers, photo_id, sha256 in rows if photo_id is not None]
    return {
        # In the form's shape whatever the phone sent (old answers are their three questions).
        "answers": normal_answers(rows[0].answers),
        "photos": [
            {
                "id": photo_id,
                # No owner to sign for: no link (signed for whoever is deciding, an admin, it
                # would hand the receiver the original with its metadata).
                "url": None
                if sha256 == ERASED_SHA256 or viewer is None
                else settings.public_url
                + photo_url(
                    photo_id, viewer_id=viewer, ttl_seconds=settings.export_link_ttl_seconds
                ),
            }
            for photo_id, sha256 in photos
        ],
    }
