"""Privacy: positions reduced after the retention period, a person's erasure (their export is
in queries.py).

Keyword-only services that flush, never commit. Erasure keeps every row other rows or the
books need (users, submissions, photos, payout requests, the ledger) and overwrites what
identifies the person in them; the ledger only ever names `worker:<id>`, a pseudonym.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, func, not_, select, update
from sqlalchemy.orm import Session

from backend.accounts import recovery
from backend.accounts.models import ApiToken, User
from backend.erasures import log as erasure_log
from backend.errors import Conflict, Forbidden
from backend.i18n import gettext
from backend.idempotency.models import IdempotencyKey
from backend.ledger import service as ledger
from backend.marketplace import service as marketplace
from backend.missions.models import Assignment
from backend.payouts import rules as payout_rules
from backend.payouts.models import PayoutRequest
from backend.payouts.rules import UNPAID
from backend.privacy import rules
from backend.review.models import Appeal
from backend.storage import PhotoStore
from backend.submissions.models import Photo, Submission
from backend.submissions.rules import ERASED_SHA256
from backend.uploads import service as uploads
from backend.uploads.models import Upload

# Validation reads the raw position; a submission still waiting for it is left alone.
AWAITING_VALIDATION = ("uploading", "received", "validating")
# Still to be decided: an approval would credit an account nobody can draw on any more.
UNDECIDED = ("uploading", "received", "validating", "in_review", "appealed")


def reduce_locations(
    *, db_session: Session, now: datetime, retention_days: int, limit: int = 500
) -> int:
    """Reduce up to `limit` submissions received over `retention_days` ago to distance and
    verdict: position columns nulled, checks stripped; returns how many."""
    rows = db_session.execute(
        select(Submission.id, Submission.checks)
        .where(
            Submission.location_reduced_at.is_(None),
            # Server time, not the phone's captured_at: a client cannot move its own clock.
            Submission.received_at < rules.retention_cutoff(now, retention_days),
            Submission.status.not_in(AWAITING_VALIDATION),
        )
        .order_by(Submission.received_at, Submission.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        _reduce(db_session, rows, now)
        erasure_log.record(
            db_session=db_session, kind="locations", target_ids=[row.id for row in rows], now=now
        )
    db_session.flush()
    return len(rows)


def reduce_locations_again(*, db_session: Session, submission_ids: list[str], now: datetime) -> int:
    """Reduce these submissions' positions whatever their state (a logged reduction made
    again after a restore); how many were not reduced yet."""
    rows = db_session.execute(
        select(Submission.id, Submission.checks).where(
            Submission.id.in_(submission_ids), Submission.location_reduced_at.is_(None)
        )
    ).all()
    if rows:
        _reduce(db_session, rows, now)
    db_session.flush()
    return len(rows)


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: how many rows of each kind it overwrote, and what it kept."""

    id: str
    erased_at: datetime
    submissions: int
    photos: int
    files_deleted: int
    appeals: int
    payout_requests: int
    payout_requests_kept: int


def erase_account(*, db_session: Session, user: User, store: PhotoStore, now: datetime) -> Erasure:
    """Erase a worker's personal data; the rows the ledger and others' records need stay,
    pseudonymised. Refused while Fairfield still owes them money or a decision."""
    if user.role != "worker":
        raise Forbidden(gettext("Only worker accounts are erased this way."))
    _lock(db_session, user.id)
    _refuse_if_outstanding(db_session, user.id)
    erasure_log.record(db_session=db_session, kind="account", target_ids=[user.id], now=now)
    return overwrite_account(db_session=db_session, user=user, store=store, now=now)


def overwrite_account(
    *, db_session: Session, user: User, store: PhotoStore, now: datetime
) -> Erasure:
    """Overwrite what identifies the worker and delete their photos, refusing nothing: the
    erasure itself once allowed, or a logged erasure made again after a restore."""
    active = db_session.scalars(
        select(Assignment).where(Assignment.worker_id == user.id, Assignment.status == "active")
    ).all()
    for assignment in active:
        marketplace.end_assignment(
            db_session=db_session, assignment=assignment, status="released", now=now
        )
    photos, digests = _erase_photo_rows(db_session, user.id, store)
    reduced = _erase_submissions(db_session, user.id, now)
    appeals = db_session.execute(
        update(Appeal)
        .where(Appeal.worker_id == user.id)
        .values(message=rules.ERASED)
        .execution_options(synchronize_session=False)
    )
    # A final request's bank details are still needed to send it; marking its batch paid
    # erases them (payouts.service).
    sending = and_(PayoutRequest.final.is_(True), PayoutRequest.status.in_(UNPAID))
    payouts = db_session.execute(
        update(PayoutRequest)
        .where(PayoutRequest.worker_id == user.id, not_(sending))
        .values(
            iban=payout_rules.ERASED_BANK_FIELD,
            holder_name=payout_rules.ERASED_BANK_FIELD,
            bic=None,
        )
        .execution_options(synchronize_session=False)
    )
    # Replays of their requests hold response bodies (a payout's holder name among them).
    db_session.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user.id))
    db_session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    recovery.forget(db_session=db_session, user=user)  # mailed links and the mail itself
    user.email = rules.erased_email(user.id)
    user.display_name = rules.ERASED
    user.password_hash = rules.UNUSABLE_PASSWORD
    user.erased_at = now
    db_session.flush()
    # Files last: should anything above fail, the rows still name the files to delete on a
    # retry; once deleted, a failed commit leaves the account intact to erase again.
    files = sum(store.delete(digest) for digest in _unshared(db_session, digests))
    return Erasure(
        id=user.id,
        erased_at=now,
        submissions=reduced,
        photos=photos,
        files_deleted=files,
        appeals=int(getattr(appeals, "rowcount", 0) or 0),
        payout_requests=int(getattr(payouts, "rowcount", 0) or 0),
        payout_requests_kept=_count(db_session, PayoutRequest.worker_id == user.id, sending),
    )


def _reduce(db_session: Session, rows: Sequence[Row[Any]], now: datetime) -> None:
    db_session.execute(
        update(Submission),
        [_without_position(row.id, rules.reduce_checks(row.checks), now) for row in rows],
    )


def _count(db_session: Session, *where: ColumnElement[bool]) -> int:
    return int(db_session.scalar(select(func.count(PayoutRequest.id)).where(*where)) or 0)


def _lock(db_session: Session, user_id: str) -> None:
    # A payout request racing the erasure must either finish first (and block it) or find
    # the account erased; SQLite already runs writers one at a time.
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.execute(select(User.id).where(User.id == user_id).with_for_update())


def _refuse_if_outstanding(db_session: Session, user_id: str) -> None:
    balance = ledger.worker_balance(db_session=db_session, worker_id=user_id)
    # A final request does not hold the erasure up: it keeps its bank details until paid.
    unpaid = _count(
        db_session,
        PayoutRequest.worker_id == user_id,
        PayoutRequest.status.in_(UNPAID),
        PayoutRequest.final.is_(False),
    )
    if int(balance["amount_minor"]) > 0 or unpaid:
        raise Conflict(
            gettext(
                "Fairfield still owes you money: ask for a final payout of your balance "
                "(`final: true`) and erase your account at once, or wait until your payouts "
                "are paid."
            ),
            code="balance_outstanding",
            extra={"balance": balance, "unpaid_payout_requests": unpaid},
        )
    undecided = db_session.scalar(
        select(func.count(Submission.id)).where(
            Submission.worker_id == user_id, Submission.status.in_(UNDECIDED)
        )
    )
    if undecided:
        raise Conflict(
            gettext(
                "Some of your submissions are still being decided and may yet be paid: erase "
                "your account once they are."
            ),
            code="submissions_pending",
            extra={"undecided_submissions": int(undecided)},
        )


def _erase_photo_rows(db_session: Session, user_id: str, store: PhotoStore) -> tuple[int, set[str]]:
    """Overwrite the digest and perceptual hash of the worker's photos; how many rows, and
    the digests they had."""
    mine = select(Submission.id).where(Submission.worker_id == user_id)
    digests = set(
        db_session.scalars(
            select(Photo.sha256).where(Photo.submission_id.in_(mine), Photo.sha256 != ERASED_SHA256)
        )
    )
    erased = db_session.execute(
        update(Photo)
        .where(Photo.submission_id.in_(mine))
        .values(sha256=ERASED_SHA256, phash=None, band0=None, band1=None, band2=None, band3=None)
        .execution_options(synchronize_session=False)
    )
    # Photos declared for resumable submissions (an abandoned one's included) name theirs too.
    mine_uploads = select(Upload.id, Upload.sha256).where(Upload.submission_id.in_(mine))
    for upload_id, digest in db_session.execute(mine_uploads).all():
        if digest != ERASED_SHA256:
            digests.add(digest)
        store.discard_partial(upload_id)
    db_session.execute(
        update(Upload)
        .where(Upload.submission_id.in_(mine))
        .values(sha256=ERASED_SHA256)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(erased, "rowcount", 0) or 0), digests


def _erase_submissions(db_session: Session, user_id: str, now: datetime) -> int:
    rows = db_session.execute(
        select(Submission.id, Submission.checks, Submission.location_reduced_at).where(
            Submission.worker_id == user_id
        )
    ).all()
    if rows:
        db_session.execute(
            update(Submission),
            [
                _without_position(
                    row.id,
                    rules.reduce_checks(row.checks, erasing=True),
                    row.location_reduced_at or now,
                )
                for row in rows
            ],
        )
    return len(rows)


def _unshared(db_session: Session, digests: set[str]) -> set[str]:
    """The digests no other submission still names: the same bytes sent by someone else
    (a copied photo) are that submission's evidence, and stay."""
    return digests - uploads.digests_in_use(db_session, digests)


def _without_position(
    submission_id: str, checks: list[dict[str, Any]], reduced_at: datetime
) -> dict[str, Any]:
    """A submission's update row: raw position gone, the checks' verdicts kept."""
    return {
        "id": submission_id,
        "latitude": None,
        "longitude": None,
        "accuracy_m": None,
        "checks": checks,
        "location_reduced_at": reduced_at,
    }
