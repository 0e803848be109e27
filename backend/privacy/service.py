"""Privacy: positions reduced after the retention period, a person's export, their erasure.

Keyword-only services that flush, never commit. Erasure keeps every row other rows or the
books need (users, submissions, photos, payout requests, the ledger) and overwrites what
identifies the person in them; the ledger only ever names `worker:<id>`, a pseudonym.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, not_, select, update
from sqlalchemy.orm import Session

from backend.accounts.models import ApiToken, User
from backend.errors import Conflict, Forbidden
from backend.idempotency.models import IdempotencyKey
from backend.ledger import service as ledger
from backend.missions import service as missions
from backend.missions.models import Assignment
from backend.payouts import rules as payout_rules
from backend.payouts.models import PayoutRequest
from backend.payouts.rules import UNPAID
from backend.privacy import rules
from backend.review.models import Appeal
from backend.storage import PhotoStore
from backend.submissions.models import Decision, Photo, Submission
from backend.submissions.rules import ERASED_SHA256
from backend.uploads import service as uploads
from backend.uploads.models import Upload

# Validation reads the raw position; a submission still waiting for it is left alone.
AWAITING_VALIDATION = ("uploading", "received", "validating")
# Still to be decided: an approval would credit an account nobody can draw on any more.
UNDECIDED = ("uploading", "received", "validating", "in_review", "appealed")
LEDGER_PAGE = 500


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
        db_session.execute(
            update(Submission),
            [_without_position(row.id, rules.reduce_checks(row.checks), now) for row in rows],
        )
    db_session.flush()
    return len(rows)


def export_account(*, db_session: Session, user: User, now: datetime) -> dict[str, Any]:
    """Everything stored about the user, as one document (a person's data is bounded)."""
    return {
        "format": "fairfield-export/1",
        "generated_at": now,
        "profile": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "brand": None if user.brand is None else {"id": user.brand.id, "name": user.brand.name},
            "created_at": user.created_at,
        },
        "assignments": _assignments(db_session, user.id),
        "submissions": _submissions(db_session, user.id),
        "appeals": _appeals(db_session, user.id),
        "payout_requests": _payout_requests(db_session, user.id),
        "ledger": _ledger(db_session, user.id) if user.role == "worker" else None,
        "api_tokens": [
            {"id": t.id, "created_at": t.created_at, "expires_at": t.expires_at}
            for t in db_session.scalars(
                select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
            )
        ],
        "idempotency_keys": [
            {"key": k.key, "response_status": k.response_status, "created_at": k.created_at}
            for k in db_session.scalars(
                select(IdempotencyKey)
                .where(IdempotencyKey.user_id == user.id)
                .order_by(IdempotencyKey.created_at)
            )
        ],
    }


def _assignments(db_session: Session, user_id: str) -> list[dict[str, Any]]:
    stmt = select(Assignment).where(Assignment.worker_id == user_id)
    return [
        {
            "id": a.id,
            "mission_id": a.mission_id,
            "status": a.status,
            "created_at": a.created_at,
            "expires_at": a.expires_at,
            "ended_at": a.ended_at,
        }
        for a in db_session.scalars(stmt.order_by(Assignment.created_at, Assignment.id))
    ]


def _uploads(db_session: Session, mine: Any) -> dict[str, list[dict[str, Any]]]:
    """The resumable uploads of the worker's submissions, by submission."""
    found: dict[str, list[dict[str, Any]]] = {}
    for u in db_session.scalars(
        select(Upload).where(Upload.submission_id.in_(mine)).order_by(Upload.position)
    ):
        found.setdefault(u.submission_id, []).append(
            {
                "id": u.id,
                "position": u.position,
                "size": u.length,
                "sha256": u.sha256,
                "created_at": u.created_at,
                "expires_at": u.expires_at,
                "completed_at": u.completed_at,
            }
        )
    return found


def _submissions(db_session: Session, user_id: str) -> list[dict[str, Any]]:
    submissions = db_session.scalars(
        select(Submission)
        .where(Submission.worker_id == user_id)
        .order_by(Submission.received_at, Submission.id)
    ).all()
    mine = select(Submission.id).where(Submission.worker_id == user_id)
    photos: dict[str, list[dict[str, Any]]] = {}
    for p in db_session.scalars(
        select(Photo).where(Photo.submission_id.in_(mine)).order_by(Photo.position)
    ):
        photos.setdefault(p.submission_id, []).append(
            {
                "id": p.id,
                "position": p.position,
                "sha256": p.sha256,
                "size": p.size,
                "received_at": p.received_at,
                "url": f"/api/v1/photos/{p.id}",
            }
        )
    decisions: dict[str, list[dict[str, Any]]] = {}
    for d in db_session.scalars(
        select(Decision).where(Decision.submission_id.in_(mine)).order_by(Decision.created_at)
    ):
        # Which admin decided is theirs, not the worker's: the API never names them either.
        decisions.setdefault(d.submission_id, []).append(
            {
                "status": d.status,
                "actor": d.actor,
                "reasons": d.reasons,
                "flags": d.flags,
                "comment": d.comment,
                "evidence": d.evidence,
                "appeal_id": d.appeal_id,
                "decided_at": d.created_at,
            }
        )
    resumable = _uploads(db_session, mine)
    return [
        {
            "id": s.id,
            "assignment_id": s.assignment_id,
            "mission_id": s.mission_id,
            "status": s.status,
            "outcome": s.outcome,
            "answers": s.answers,
            "latitude": s.latitude,
            "longitude": s.longitude,
            "accuracy_m": s.accuracy_m,
            "location_reduced_at": s.location_reduced_at,
            "captured_at": s.captured_at,
            "received_at": s.received_at,
            "checks": s.checks,
            "reasons": s.reasons,
            "flags": s.flags,
            "photos": photos.get(s.id, []),
            "uploads": resumable.get(s.id, []),
            "decisions": decisions.get(s.id, []),
        }
        for s in submissions
    ]


def _appeals(db_session: Session, user_id: str) -> list[dict[str, Any]]:
    stmt = select(Appeal).where(Appeal.worker_id == user_id).order_by(Appeal.created_at)
    return [
        {
            "id": a.id,
            "submission_id": a.submission_id,
            "message": a.message,
            "status": a.status,
            "created_at": a.created_at,
            "decided_at": a.decided_at,
        }
        for a in db_session.scalars(stmt)
    ]


def _payout_requests(db_session: Session, user_id: str) -> list[dict[str, Any]]:
    stmt = select(PayoutRequest).where(PayoutRequest.worker_id == user_id)
    return [
        {
            "id": r.id,
            "amount": {"amount_minor": r.amount_minor, "currency": r.currency},
            "iban": r.iban,  # in full: it is the caller's own
            "bic": r.bic,
            "holder_name": r.holder_name,
            "status": r.status,
            "requested_at": r.requested_at,
            "paid_at": r.paid_at,
            "final": r.final,
        }
        for r in db_session.scalars(stmt.order_by(PayoutRequest.requested_at))
    ]


def _ledger(db_session: Session, user_id: str) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        found = ledger.list_worker_entries(
            db_session=db_session, worker_id=user_id, limit=LEDGER_PAGE, cursor=cursor
        )
        items += found["items"]
        cursor = found["next_cursor"]
        if cursor is None:
            break
    return {
        "balance": ledger.worker_balance(db_session=db_session, worker_id=user_id),
        "items": items,
    }


def erase_account(
    *, db_session: Session, user: User, store: PhotoStore, now: datetime
) -> dict[str, Any]:
    """Erase a worker's personal data; the rows the ledger and others' records need stay,
    pseudonymised. Refused while Fairfield still owes them money or a decision."""
    if user.role != "worker":
        raise Forbidden("Only worker accounts are erased this way.")
    _lock(db_session, user.id)
    _refuse_if_outstanding(db_session, user.id)
    active = db_session.scalars(
        select(Assignment).where(Assignment.worker_id == user.id, Assignment.status == "active")
    ).all()
    for assignment in active:
        missions.end_assignment(
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
    user.email = rules.erased_email(user.id)
    user.display_name = rules.ERASED
    user.password_hash = rules.UNUSABLE_PASSWORD
    user.erased_at = now
    db_session.flush()
    # Files last: should anything above fail, the rows still name the files to delete on a
    # retry; once deleted, a failed commit leaves the account intact to erase again.
    files = sum(store.delete(digest) for digest in _unshared(db_session, digests))
    return {
        "id": user.id,
        "erased_at": now,
        "submissions": reduced,
        "photos": photos,
        "files_deleted": files,
        "appeals": int(getattr(appeals, "rowcount", 0) or 0),
        "payout_requests": int(getattr(payouts, "rowcount", 0) or 0),
        "payout_requests_kept": _count(db_session, PayoutRequest.worker_id == user.id, sending),
    }


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
            "Fairfield still owes you money: ask for a final payout of your balance "
            "(`final: true`) and erase your account at once, or wait until your payouts "
            "are paid.",
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
            "Some of your submissions are still being decided and may yet be paid: erase "
            "your account once they are.",
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
