"""Serving a submission's photos: who may see one, and the copies made from it.

Every copy is made from the stored original by one function (`derived_copy`), kept beside it
in the photo store under its kind, and made at most once: by the task sent when the photo is
stored (`make_variants`), or on the first request that finds it missing, whichever comes
first; both write it whole, so either may win. Copies carry no EXIF, XMP or comment.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import NotFound, not_found, storage_full
from backend.i18n import gettext
from backend.storage import PhotoStore
from backend.submissions.jpeg import brand_copy, smaller_copy
from backend.submissions.models import Photo, Submission
from backend.submissions.rules import ERASED_SHA256

log = logging.getLogger(__name__)

VARIANTS_TASK = "submissions.make_photo_variants"
BRAND_COPY = "brand"  # full size as brands get it: re-encoded, without metadata


@dataclass(frozen=True)
class Size:
    long_side: int
    quality: int


# The sizes a browser asks for: a queue's thumbnails and the review screen's default image.
SIZES = {"review": Size(1600, 85), "thumb": Size(320, 80)}


def visible_photo(*, db_session: Session, photo_id: str, user: User) -> Photo:
    """The photo if `user` may see it: its worker and admins always, the brand once its
    submission is approved. Anything else answers as a photo that does not exist."""
    photo = db_session.scalar(
        select(Photo)
        .join(Submission, Submission.id == Photo.submission_id)
        .where(Photo.id == photo_id, Submission.photos_visible_to(user))
    )
    if photo is None:
        raise not_found("photo")
    return photo


def link_viewer(*, db_session: Session, viewer_id: str) -> User | None:
    """The user a signed link was made for, while the account stands: not erased, not
    removed from its organisation (a removed member's links stop with their tokens)."""
    return db_session.scalar(
        select(User).where(
            User.id == viewer_id, User.erased_at.is_(None), User.removed_at.is_(None)
        )
    )


def served_kind(user: User, variant: str) -> str | None:
    """Which object `user` gets of `variant`: the original as taken (None) for its worker
    and admins, the copy without metadata for the brand; the smaller sizes for everyone."""
    if variant in SIZES:
        return variant
    return BRAND_COPY if user.role == "brand" else None


def photo_bytes(
    *, photo: Photo, user: User, variant: str, store: PhotoStore, max_pixels: int
) -> bytes:
    """The image `user` gets of `variant` (served_kind)."""
    kind = served_kind(user, variant)
    try:
        if kind is not None:
            return derived_copy(store, photo.sha256, kind, max_pixels=max_pixels, unkept=True)
        with store.open(photo.sha256) as stream:  # bounded by FAIRFIELD_PHOTO_MAX_BYTES
            return stream.read()
    except FileNotFoundError:
        raise _erased() from None


def photo_url(
    *,
    photo: Photo,
    user: User,
    variant: str,
    store: PhotoStore,
    max_pixels: int,
    seen_for_s: int,
    link_ttl_s: int,
) -> str | None:
    """Where `user` may fetch the image of `variant` straight from the store (a presigned
    bucket URL), the copy made first if it was not yet; None when the store has no URLs (a
    local folder): the API serves the bytes."""
    kind, filename = served_kind(user, variant), f"{photo.id}.jpg"
    # The bucket serves the bytes itself: for no longer than the asker may still see them
    # (what their signed link has left) nor than a photo link lives.
    expires_s = max(1, min(seen_for_s, link_ttl_s))
    try:
        try:
            return store.download_url(photo.sha256, kind, expires_s=expires_s, filename=filename)
        except FileNotFoundError:
            if kind is None:
                raise
        try:
            derived_copy(store, photo.sha256, kind, max_pixels=max_pixels)
        except Exception as error:
            if not storage_full(error):
                raise
            return None  # no room to keep the copy: the API serves it made (photo_bytes)
        return store.download_url(photo.sha256, kind, expires_s=expires_s, filename=filename)
    except FileNotFoundError:
        raise _erased() from None


def _erased() -> NotFound:
    # Its worker asked to be forgotten: the row stays for the audit, the image is gone.
    return NotFound(gettext("This photo was erased."), code="photo_erased")


def derived_copy(
    store: PhotoStore, sha256: str, kind: str, *, max_pixels: int, unkept: bool = False
) -> bytes:
    """The copy of kind `kind` (brand, review, thumb) of a stored photo, made and kept if it
    was not yet. FileNotFoundError when the original is gone (erased). `unkept`: a copy the
    store has no room to keep (a full disk or bucket) is still returned, made again next
    time, rather than the storage error (a reader should see the photo all the same)."""
    try:
        with store.open_derived(sha256, kind) as kept:
            return kept.read()
    except FileNotFoundError:
        pass  # not made yet: made now, from the original
    with store.open(sha256) as original:
        data = original.read()
    if kind == BRAND_COPY:
        copy = brand_copy(data, max_pixels=max_pixels)
    else:
        size = SIZES[kind]
        copy = smaller_copy(
            data, max_pixels=max_pixels, long_side=size.long_side, quality=size.quality
        )
    if copy is None:
        raise NotFound(gettext("This photo is not an image a copy can be made of."))
    try:
        store.put_derived(sha256, kind, copy)
    except Exception as error:
        if not (unkept and storage_full(error)):
            raise
        log.warning("no room to keep a copy of a photo; served without keeping it")
    if not _exists(store, sha256):
        # Erased while the copy was being made: the erasure deleted the copies it found,
        # this one came after; it goes too, with whatever else is left of the photo.
        store.delete(sha256)
        raise FileNotFoundError(sha256)
    return copy


def make_variants(*, store: PhotoStore, digests: Iterable[str], max_pixels: int) -> int:
    """Make the review size and the thumbnail of each photo that lacks them; how many made.
    A copy already there is left as it is, so a task run twice writes nothing new."""
    made = 0
    for sha256 in digests:
        for kind in SIZES:
            if sha256 == ERASED_SHA256 or _exists(store, sha256, kind):
                continue
            with contextlib.suppress(FileNotFoundError, NotFound):  # erased, or not an image
                derived_copy(store, sha256, kind, max_pixels=max_pixels)
                made += 1
    return made


def submission_digests(*, db_session: Session, submission_id: str) -> list[str]:
    """The stored photos' digests of a submission, in order."""
    return list(
        db_session.scalars(
            select(Photo.sha256)
            .where(Photo.submission_id == submission_id)
            .order_by(Photo.position)
        )
    )


def _exists(store: PhotoStore, sha256: str, kind: str | None = None) -> bool:
    """Whether the original (or its copy of `kind`) is in the store."""
    try:
        (store.open(sha256) if kind is None else store.open_derived(sha256, kind)).close()
    except FileNotFoundError:
        return False
    return True
