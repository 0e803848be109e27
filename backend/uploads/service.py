"""Resumable submissions: the evidence is declared first, each photo then arrives in chunks
(tus), and the submission is final, and validated, only once every photo is in."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import Conflict, DomainError, Gone, Invalid, Locked, TooLarge, not_found
from backend.i18n import gettext, lazy_gettext
from backend.missions import states as missions
from backend.missions.models import Assignment
from backend.storage import Busy, Chunk, DigestMismatch, OffsetMismatch, PhotoStore, Stored
from backend.submissions import states
from backend.submissions.models import Photo, Submission
from backend.submissions.service import UploadLimits, accept_photos, start_submission
from backend.uploads.models import Upload

log = logging.getLogger(__name__)


class ChecksumMismatch(DomainError):
    status, code = 460, "checksum_mismatch"
    title = lazy_gettext("Checksum mismatch")


@dataclass(frozen=True)
class UploadPolicy:
    expiry: timedelta  # how long a declared submission's photos may take to arrive
    lock_wait_s: float  # how long a chunk waits for another one of the same upload


@dataclass(frozen=True)
class UploadState:
    id: str
    submission_id: str
    position: int
    length: int
    sha256: str
    offset: int
    complete: bool
    expires_at: datetime


def declare_submission(
    *,
    db_session: Session,
    worker: User,
    assignment_id: str,
    payload: dict[str, Any],
    photos: Sequence[dict[str, Any]],
    limits: UploadLimits,
    policy: UploadPolicy,
    now: datetime,
) -> tuple[Submission, list[UploadState]]:
    """Record the evidence (the claim's clock stops here) and an empty upload per photo."""
    _check_declared(photos, limits)
    submission = start_submission(
        db_session=db_session,
        worker=worker,
        assignment_id=assignment_id,
        payload=payload,
        limits=limits,
        now=now,
        status="uploading",
        photos_sent=len(photos),
    )
    uploads = [
        Upload(
            submission_id=submission.id,
            position=index,
            length=photo["size"],
            sha256=photo["sha256"].lower(),
            created_at=now,
            expires_at=now + policy.expiry,
        )
        for index, photo in enumerate(photos)
    ]
    db_session.add_all(uploads)
    db_session.flush()
    return submission, [upload_progress(upload, 0) for upload in uploads]


def _check_declared(photos: Sequence[dict[str, Any]], limits: UploadLimits) -> None:
    if len(photos) > limits.max_photos:
        raise Invalid(
            gettext(
                "At most %(limit)s photos per submission; %(sent)s were declared.",
                limit=limits.max_photos,
                sent=len(photos),
            ),
            errors={"photos": [f"At most {limits.max_photos} photos."]},
        )
    for index, photo in enumerate(photos):
        if photo["size"] > limits.max_photo_bytes:
            raise TooLarge(
                gettext(
                    "Photo %(index)s has %(size)s bytes; the limit is %(limit)s.",
                    index=index,
                    size=photo["size"],
                    limit=limits.max_photo_bytes,
                ),
                errors={f"photos.{index}.size": [f"At most {limits.max_photo_bytes} bytes."]},
            )


def upload_progress(upload: Upload, offset: int) -> UploadState:
    """An upload's state with `offset` bytes in (all of them once it completed)."""
    complete = upload.completed_at is not None
    return UploadState(
        id=upload.id,
        submission_id=upload.submission_id,
        position=upload.position,
        length=upload.length,
        sha256=upload.sha256,
        offset=upload.length if complete else min(offset, upload.length),
        complete=complete,
        expires_at=upload.expires_at,
    )


def upload_state(
    *,
    db_session: Session,
    upload_id: str,
    worker_id: str,
    store: PhotoStore,
    now: datetime,
    wait_s: float = 0.0,
) -> UploadState:
    """Where the worker's upload stands: how many bytes are in (waiting up to `wait_s` for a
    chunk still being written). 410 once it expired."""
    row = db_session.execute(
        select(Upload, Submission.status)
        .join(Submission, Submission.id == Upload.submission_id)
        .where(Upload.id == upload_id, Submission.worker_id == worker_id)
    ).first()
    if row is None:
        raise not_found("upload")
    upload, status = row
    if upload.completed_at is None and (status != "uploading" or now >= upload.expires_at):
        raise Gone(
            gettext("This upload expired before every photo was in; the submission was abandoned."),
            code="upload_expired",
            extra={"expires_at": upload.expires_at.isoformat()},
        )
    offset = 0 if upload.completed_at else store.partial_size(upload.id, wait_s=wait_s)
    return upload_progress(upload, offset)


def receive_chunk(
    *, upload: UploadState, offset: int, size: int, chunk: Chunk, store: PhotoStore, wait_s: float
) -> int:
    """Append a chunk of `size` bytes at `offset`; returns the new offset. No transaction is
    open while the bytes arrive, however slowly: the file is the record of what came."""
    if upload.complete:
        if offset == upload.length and size == 0:
            return upload.length
        raise _offset_conflict(upload.length)
    if offset + size > upload.length:
        raise TooLarge(
            gettext(
                "The chunk runs %(excess)s bytes past the declared size.",
                excess=offset + size - upload.length,
            ),
            errors={"Content-Length": [f"At most {upload.length - offset} bytes from {offset}."]},
        )
    try:
        end = store.append_partial(
            upload.id, offset=offset, chunk=chunk, limit=upload.length, wait_s=wait_s
        )
    except OffsetMismatch as exc:
        raise _offset_conflict(exc.offset) from None
    except Busy:
        raise Locked(
            gettext("Another request is sending this upload; retry shortly."), code="upload_busy"
        ) from None
    if not chunk.accept():
        raise ChecksumMismatch(
            gettext("The chunk did not match its Upload-Checksum; it was discarded."),
            errors={"Upload-Checksum": ["Does not match the bytes received."]},
            extra={"offset": end},
        )
    return end


def _offset_conflict(offset: int) -> Conflict:
    return Conflict(
        gettext(
            "The upload is at byte %(offset)s; send the chunk that starts there.", offset=offset
        ),
        code="offset_mismatch",
        errors={"Upload-Offset": [f"Must be {offset}."]},
        extra={"offset": offset},
    )


def drop_if_finished(
    *, db_session: Session, upload_id: str, store: PhotoStore, length: int
) -> None:
    """After a chunk was kept: if another request or the sweep finished the upload meanwhile
    (or it was deleted) and discarded its pieces, this chunk's piece follows nothing and would
    stay forever: drop it, and answer as to a chunk after completion (409; HEAD says done)."""
    completed = db_session.execute(
        select(Upload.completed_at).where(Upload.id == upload_id)
    ).first()
    if completed is not None and completed[0] is None:
        return
    store.discard_partial(upload_id)
    if completed is None:
        raise not_found("upload")
    raise _offset_conflict(length)


def store_upload(
    *,
    upload_id: str,
    position: int,
    sha256: str,
    length: int,
    store: PhotoStore,
    max_photo_bytes: int,
) -> None:
    """Store an upload whose every byte is in under its sha256, which must be the declared
    one (460 else, and the bytes are dropped). Called before `finish_upload`, outside any
    transaction: hashing and copying a photo must not hold the write lock. 409 if the
    pieces went meanwhile: the upload sweep finished the same upload."""
    try:
        store.put_partial(upload_id, max_bytes=max_photo_bytes, sha256=sha256)
    except OffsetMismatch:
        raise _offset_conflict(length) from None
    except DigestMismatch as exc:
        store.discard_partial(upload_id)
        raise ChecksumMismatch(
            gettext(
                "Photo %(index)s does not hash to the sha256 declared for it; its "
                "bytes were discarded: send it again from offset 0.",
                index=position,
            ),
            code="photo_checksum_mismatch",
            errors={f"photos.{position}.sha256": ["Does not match the bytes."]},
            extra={"offset": 0, "received_sha256": str(exc)},
        ) from None


def finish_upload(
    *,
    db_session: Session,
    upload_id: str,
    store: PhotoStore,
    max_photo_bytes: int,
    now: datetime,
    bytes_stored: bool = False,
) -> bool:
    """Accept an upload whose every byte is in, once its sha256 is the declared one; when it
    was the last, the submission is whole and queued for validation. True if the upload is
    (now) complete. Safe to repeat, and serialised per submission. `bytes_stored`: the caller
    has stored its bytes already (`store_upload`), so nothing slow happens here."""
    upload = db_session.get_one(Upload, upload_id)
    submission = db_session.scalars(
        select(Submission)
        .where(Submission.id == upload.submission_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if submission.status != "uploading":
        return upload.completed_at is not None
    db_session.refresh(upload)
    if upload.completed_at is None:
        if store.partial_size(upload.id) != upload.length:
            return False
        if not bytes_stored:
            store_upload(
                upload_id=upload.id,
                position=upload.position,
                sha256=upload.sha256,
                length=upload.length,
                store=store,
                max_photo_bytes=max_photo_bytes,
            )
        upload.completed_at = now
        db_session.flush()
        _discard_after_commit(db_session, store, upload.id)
    _accept_if_whole(db_session, submission, now)
    return True


def _accept_if_whole(db_session: Session, submission: Submission, now: datetime) -> None:
    """Once its last upload is in, the submission is whole: its photos are accepted."""
    uploads = db_session.scalars(
        select(Upload).where(Upload.submission_id == submission.id).order_by(Upload.position)
    ).all()
    if all(u.completed_at is not None for u in uploads):
        stored = [Stored(u.sha256, u.length) for u in uploads]
        accept_photos(db_session=db_session, submission=submission, stored=stored, now=now)


def _discard_after_commit(db_session: Session, store: PhotoStore, upload_id: str) -> None:
    # The stored photo is safe only once the commit says the upload is complete; until then
    # the partial file is what a retry resumes from.
    @event.listens_for(db_session, "after_commit", once=True)
    def _discard(_session: Session) -> None:
        store.discard_partial(upload_id)


def _open_uploads(db_session: Session, now: datetime) -> Any:
    # Every open upload is looked at (a stat each): a cap would let the oldest unfinished
    # ones hide finished ones behind them. They are the photos of the last day, few.
    return db_session.execute(
        select(Upload.id, Upload.length, Upload.position, Upload.sha256)
        .join(Submission, Submission.id == Upload.submission_id)
        .where(
            Submission.status == "uploading",
            Upload.completed_at.is_(None),
            Upload.expires_at > now,
        )
        .order_by(Upload.created_at)
    ).all()


def ready_uploads(*, db_session: Session, store: PhotoStore, now: datetime) -> list[Any]:
    """The open uploads whose every byte is in: rows of (id, length, position, sha256)."""
    return [
        row for row in _open_uploads(db_session, now) if store.partial_size(row.id) == row.length
    ]


def store_ready_uploads(
    ready: Sequence[Any], *, store: PhotoStore, max_photo_bytes: int
) -> set[str]:
    """Store the bytes of `ready_uploads`, outside any transaction; the ids stored, which
    `sweep_uploads` then accepts without hashing under the write lock."""
    stored = set()
    for row in ready:
        try:
            store_upload(
                upload_id=row.id,
                position=row.position,
                sha256=row.sha256,
                length=row.length,
                store=store,
                max_photo_bytes=max_photo_bytes,
            )
            stored.add(row.id)
        except ChecksumMismatch:  # discarded; the phone will find offset 0 and resend
            log.warning("upload did not match its sha256", extra={"upload_id": row.id})
        except Conflict:  # its last chunk's request finished it meanwhile, pieces and all
            continue
    return stored


def sweep_uploads(
    *,
    db_session: Session,
    store: PhotoStore,
    max_photo_bytes: int,
    now: datetime,
    limit: int = 200,
    stored: Collection[str] = (),
) -> dict[str, int]:
    """Finish uploads whose bytes are all in but were never accepted (a crash between the
    two, or a client that learnt from HEAD it was done); abandon submissions whose uploads
    expired, handing their missions back. Returns how many of each. Uploads in `stored`
    had their bytes stored already (`store_ready_uploads`)."""
    finished = 0
    for upload_id, length, _position, _sha256 in _open_uploads(db_session, now):
        if store.partial_size(upload_id) == length:
            try:
                finished += finish_upload(
                    db_session=db_session,
                    upload_id=upload_id,
                    store=store,
                    max_photo_bytes=max_photo_bytes,
                    now=now,
                    bytes_stored=upload_id in stored,
                )
            except ChecksumMismatch:  # discarded; the phone will find offset 0 and resend
                log.warning("upload did not match its sha256", extra={"upload_id": upload_id})
    return {"finished": finished, "abandoned": _abandon_expired(db_session, store, now, limit)}


def _abandon_expired(db_session: Session, store: PhotoStore, now: datetime, limit: int) -> int:
    expired = db_session.scalars(
        select(Submission)
        .where(
            Submission.status == "uploading",
            Submission.id.in_(select(Upload.submission_id).where(Upload.expires_at <= now)),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for submission in expired:
        states.move(db_session, submission_id=submission.id, froms=("uploading",), to="abandoned")
        db_session.execute(
            update(Assignment)
            .where(Assignment.id == submission.assignment_id, Assignment.status == "submitted")
            .values(status="expired")
            .execution_options(synchronize_session=False)
        )
        # Another worker may do the mission: it goes back on the map.
        missions.move(db_session, mission_id=submission.mission_id, froms=("claimed",), to="open")
        uploads = db_session.scalars(
            select(Upload).where(Upload.submission_id == submission.id)
        ).all()
        for upload in uploads:
            _discard_after_commit(db_session, store, upload.id)
        # Photos that did arrive are nobody's evidence now; the bytes are the worker's.
        arrived = {u.sha256 for u in uploads if u.completed_at is not None}
        for digest in arrived - digests_in_use(db_session, arrived):
            _delete_after_commit(db_session, store, digest)
    db_session.flush()
    return len(expired)


def digests_in_use(db_session: Session, digests: set[str]) -> set[str]:
    """Those of `digests` still some submission's evidence: a photo row, or a photo that
    arrived for a submission still uploading. The others' files may be deleted."""
    if not digests:
        return set()
    photos = select(Photo.sha256).where(Photo.sha256.in_(digests))
    arrived = (
        select(Upload.sha256)
        .join(Submission, Submission.id == Upload.submission_id)
        .where(
            Upload.sha256.in_(digests),
            Upload.completed_at.is_not(None),
            Submission.status == "uploading",
        )
    )
    return set(db_session.scalars(photos.union(arrived)))


def delete_orphaned_photos(
    *, db_session: Session, store: PhotoStore, cutoff: float, batch: int = 500
) -> int:
    """Delete stored photos written before `cutoff` that no submission names: the files of
    requests whose transaction failed after storing them. Returns how many."""
    deleted, digests = 0, store.stored_before(cutoff)
    while chunk := set(itertools.islice(digests, batch)):
        for digest in chunk - digests_in_use(db_session, chunk):
            deleted += store.delete_unless_rewritten(digest, cutoff=cutoff)
    return deleted


def _delete_after_commit(db_session: Session, store: PhotoStore, digest: str) -> None:
    @event.listens_for(db_session, "after_commit", once=True)
    def _delete(_session: Session) -> None:
        store.delete(digest)
