"""`submission.approved` told by webhook, with the result row: its answers and its photos as
links that live as long as an export's (FAIRFIELD_EXPORT_LINK_TTL_SECONDS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.campaigns import events as campaign_events
from backend.missions.models import Mission
from backend.settings import current_settings
from backend.submissions.answers import normal_answers
from backend.submissions.models import Photo, Submission
from backend.submissions.rules import ERASED_SHA256
from backend.urls import photo_url
from backend.webhooks import service as webhooks


def submission_approved(*, db_session: Session, submission_id: str, now: datetime) -> None:
    """Emit `submission.approved`, then what the approval did to its campaign."""
    submission = db_session.get_one(Submission, submission_id)
    mission = db_session.get_one(Mission, submission.mission_id)
    if webhooks.listening(
        db_session=db_session, brand_id=submission.brand_id, event_type="submission.approved"
    ):
        webhooks.emit(
            db_session=db_session,
            brand_id=submission.brand_id,
            event_type="submission.approved",
            data=_result(db_session, submission, mission, now),
            now=now,
        )
    campaign_events.campaign_moved(db_session=db_session, campaign_id=mission.campaign_id, now=now)


def _result(
    db_session: Session, submission: Submission, mission: Mission, now: datetime
) -> dict[str, Any]:
    """The event's data: the approved result as the brand's results show it."""
    settings = current_settings()
    owners = webhooks.owners(db_session=db_session, brand_id=submission.brand_id)
    # The links are signed for an owner of the organisation: they work while that owner may
    # see the photo, like an export's.
    viewer = owners[0].id if owners else None
    photos = db_session.execute(
        select(Photo.id, Photo.sha256)
        .where(Photo.submission_id == submission.id)
        .order_by(Photo.position)
    ).all()
    return {
        "submission_id": submission.id,
        "mission_id": mission.id,
        "campaign_id": mission.campaign_id,
        "store_id": mission.store_id,
        "outcome": submission.outcome,
        # In the form's shape whatever the phone sent (old answers are their three questions).
        "answers": normal_answers(submission.answers),
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
        # The approval's own time: the row the session holds was read before the decision
        # moved it (past the ORM), its decided_at still the machine's.
        "approved_at": now.isoformat(),
    }
