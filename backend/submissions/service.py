"""Submissions: receive a worker's evidence whole or not at all (photos are served by photos.py).

What the API shows of a submission is in queries.py and presenters.py.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns.models import Campaign, CampaignProduct
from backend.errors import Conflict, Invalid, TooLarge
from backend.i18n import gettext
from backend.kernel.scoping import get_visible
from backend.missions import states as missions
from backend.missions.models import Assignment, Mission
from backend.outbox.tasks import enqueue
from backend.settings import Settings
from backend.storage import PhotoStore, Stored
from backend.storage import TooLarge as StreamTooLarge
from backend.submissions import answers, states
from backend.submissions.jpeg import JPEG_MAGIC
from backend.submissions.models import Photo, Submission

VALIDATE_TASK = "validation.validate_submission"
# A capture time this far ahead of the server's clock is not a phone's drift but garbage.
FUTURE_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class UploadLimits:
    max_photos: int
    max_photo_bytes: int
    grace: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        """The limits as the app's settings give them."""
        return cls(
            max_photos=settings.submission_max_photos,
            max_photo_bytes=settings.photo_max_bytes,
            grace=timedelta(minutes=settings.submission_grace_minutes),
        )


def _size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _check_photos(photos: Sequence[BinaryIO], limits: UploadLimits) -> None:
    """Refuse, before anything is stored, what cannot be a submission's photos."""
    if not photos:
        raise Invalid(
            gettext("Send at least one photo."), errors={"photos": ["At least one photo."]}
        )
    if len(photos) > limits.max_photos:
        raise Invalid(
            gettext(
                "At most %(limit)s photos per submission; %(sent)s were sent.",
                limit=limits.max_photos,
                sent=len(photos),
            ),
            errors={"photos": [f"At most {limits.max_photos} photos."]},
        )
    for index, photo in enumerate(photos):
        field = f"photos.{index}"
        size = _size(photo)
        if size > limits.max_photo_bytes:
            raise TooLarge(
                gettext(
                    "Photo %(index)s has %(size)s bytes; the limit is %(limit)s.",
                    index=index,
                    size=size,
                    limit=limits.max_photo_bytes,
                ),
                errors={field: [f"At most {limits.max_photo_bytes} bytes."]},
            )
        head = photo.read(len(JPEG_MAGIC))
        photo.seek(0)
        if head != JPEG_MAGIC:
            raise Invalid(
                gettext("Photo %(index)s is not a JPEG file.", index=index),
                errors={field: ["Must be a JPEG file."]},
                code="unsupported_photo_format",
            )


def _check_timing(
    assignment: Assignment, captured_at: datetime, now: datetime, grace: timedelta
) -> None:
    if assignment.status == "submitted":
        raise Conflict(
            gettext("This assignment already has a submission."), code="already_submitted"
        )
    if assignment.status != "active":
        raise Conflict(
            gettext("This assignment is %(status)s, not active.", status=assignment.status),
            code="assignment_not_active",
        )
    if captured_at > now + FUTURE_SKEW:
        raise Invalid(
            gettext("The capture time is in the future."),
            errors={"payload.captured_at": ["In the future."]},
        )
    # A slow upload must not cost the worker the mission: evidence captured in time is taken
    # for a grace period after the claim ran out.
    if now > assignment.expires_at and (
        now > assignment.expires_at + grace or captured_at > assignment.expires_at
    ):
        raise Conflict(
            gettext("The claim ran out before this evidence was captured or uploaded."),
            code="assignment_expired",
            extra={"expires_at": assignment.expires_at.isoformat()},
        )


def _lock_assignment(db_session: Session, assignment_id: str, worker: User) -> Assignment:
    assignment = get_visible(db_session, Assignment, assignment_id, worker)
    if db_session.get_bind().dialect.name != "sqlite":
        # Two uploads for one assignment: the second waits here, then finds it submitted.
        db_session.refresh(assignment, with_for_update=True)
    return assignment


def _store_photos(
    photos: Sequence[BinaryIO], store: PhotoStore, limits: UploadLimits
) -> list[Stored]:
    stored = []
    for index, photo in enumerate(photos):
        try:
            stored.append(store.put(photo, max_bytes=limits.max_photo_bytes))
        except StreamTooLarge as exc:  # the part grew since it was measured: never trust it
            raise TooLarge(
                gettext("Photo %(index)s is over the limit.", index=index),
                errors={f"photos.{index}": [str(exc)]},
            ) from exc
    return stored


def receive_submission(
    *,
    db_session: Session,
    worker: User,
    assignment_id: str,
    payload: dict[str, Any],
    photos: Sequence[BinaryIO],
    store: PhotoStore,
    limits: UploadLimits,
    now: datetime,
) -> Submission:
    """Store the photos, record the submission and queue its validation, in one transaction."""
    # Photos are checked and stored (hashed, written, synced) before the first statement, so
    # the write lock (SQLite) is held only for the writes. `check_submission` refused most bad
    # requests before; photos of one refused below are nobody's, swept a day later.
    _check_photos(photos, limits)
    stored = _store_photos(photos, store, limits)
    submission = start_submission(
        db_session=db_session,
        worker=worker,
        assignment_id=assignment_id,
        payload=payload,
        limits=limits,
        now=now,
        photos_sent=len(stored),
    )
    accept_photos(db_session=db_session, submission=submission, stored=stored, now=now)
    return submission


def check_submission(
    *,
    db_session: Session,
    worker: User,
    assignment_id: str,
    payload: dict[str, Any],
    photos: Sequence[BinaryIO],
    limits: UploadLimits,
    now: datetime,
) -> None:
    """Refuse, from a read apart from the write, a submission `receive_submission` would."""
    assignment = get_visible(db_session, Assignment, assignment_id, worker)
    _check_timing(assignment, payload["captured_at"], now, limits.grace)
    _check_photos(photos, limits)
    check_answers(
        db_session=db_session,
        mission_id=assignment.mission_id,
        payload=payload,
        photos_sent=len(photos),
    )


def check_answers(
    *, db_session: Session, mission_id: str, payload: dict[str, Any], photos_sent: int | None
) -> None:
    """Refuse answers that do not fit the mission's form: 422 naming `answers.<question_id>`
    (see submissions.answers); `photos_sent` None while the photos are still to come."""
    campaign = db_session.execute(
        select(Campaign.id, Campaign.questions, Campaign.reward_currency)
        .join(Mission, Mission.campaign_id == Campaign.id)
        .where(Mission.id == mission_id)
    ).one()
    skus = db_session.scalars(
        select(CampaignProduct.sku).where(CampaignProduct.campaign_id == campaign.id)
    ).all()
    errors = answers.answer_problems(
        payload["answers"],
        campaign.questions,
        skus=list(skus),
        currency=campaign.reward_currency,
        photos_sent=photos_sent,
        outcome=payload["outcome"],
    )
    if errors:
        raise Invalid(
            gettext("Some answers do not fit the mission's questions; see `errors`."),
            errors=errors,
        )


def start_submission(
    *,
    db_session: Session,
    worker: User,
    assignment_id: str,
    payload: dict[str, Any],
    limits: UploadLimits,
    now: datetime,
    status: str = "received",
    photos_sent: int | None = None,
) -> Submission:
    """Record a submission for an assignment that may still take this evidence; the
    assignment is done. Its photos follow (`accept_photos`), at once or uploaded later;
    `photos_sent` is how many there will be, the bound of a photo question's answer."""
    assignment = _lock_assignment(db_session, assignment_id, worker)
    _check_timing(assignment, payload["captured_at"], now, limits.grace)
    check_answers(
        db_session=db_session,
        mission_id=assignment.mission_id,
        payload=payload,
        photos_sent=photos_sent,
    )
    mission = db_session.get_one(Mission, assignment.mission_id)
    submission = states.new(
        status=status,
        assignment_id=assignment.id,
        mission_id=mission.id,
        campaign_id=mission.campaign_id,
        worker_id=worker.id,
        brand_id=mission.brand_id,
        outcome=payload["outcome"],
        answers=answers.kept_answers(payload["answers"]),
        latitude=payload["latitude"],
        longitude=payload["longitude"],
        accuracy_m=payload["accuracy_m"],
        captured_at=payload["captured_at"],
        received_at=now,
        checks=[],
        reasons=[],
        flags=[],
    )
    db_session.add(submission)
    assignment.status, assignment.ended_at = "submitted", now
    db_session.flush()
    return submission


def accept_photos(
    *, db_session: Session, submission: Submission, stored: Sequence[Stored], now: datetime
) -> None:
    """The submission is whole: its photos recorded, its mission submitted, validation queued."""
    db_session.add_all(
        Photo(
            submission_id=submission.id,
            position=index,
            sha256=item.sha256,
            size=item.size,
            received_at=now,
        )
        for index, item in enumerate(stored)
    )
    if submission.status == "uploading":
        states.move(
            db_session,
            submission_id=submission.id,
            froms=("uploading",),
            to="received",
            values={"received_at": now},
        )
        db_session.expire(submission, ["status", "received_at"])
    else:  # received whole, in this transaction
        submission.received_at = now
    missions.move(db_session, mission_id=submission.mission_id, froms=("claimed",), to="submitted")
    enqueue(db_session, VALIDATE_TASK, submission.id)
    db_session.flush()
