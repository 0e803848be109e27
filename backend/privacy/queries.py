"""What a person's export shows: everything stored about them, as one document. Reads only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import ApiToken, User
from backend.idempotency.models import IdempotencyKey
from backend.ledger import queries as ledger_queries
from backend.ledger import service as ledger_service
from backend.missions.models import Assignment
from backend.payouts.models import PayoutRequest
from backend.review.models import Appeal
from backend.submissions.models import Decision, Photo, Submission
from backend.uploads.models import Upload
from backend.urls import photo_links

LEDGER_PAGE = 500


def account_export(
    *, db_session: Session, user: User, now: datetime, link_ttl_seconds: int | None = None
) -> dict[str, Any]:
    """Everything stored about the user, as one document (a person's data is bounded); its
    photo links live `link_ttl_seconds` (a download is read later than an answer)."""
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
            "email_verified_at": user.email_verified_at,
            "locale": user.locale,
            "notify_by_email": user.notify_by_email,
        },
        "assignments": _assignments(db_session, user.id),
        "submissions": _submissions(db_session, user.id, link_ttl_seconds),
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


def _photos(
    db_session: Session, mine: Any, user_id: str, link_ttl_seconds: int | None
) -> dict[str, list[dict[str, Any]]]:
    """The photos of the worker's submissions, by submission, with links signed for them."""
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
                # A downloaded file: whole URLs, opened from wherever it is kept.
                **photo_links(p.id, viewer_id=user_id, ttl_seconds=link_ttl_seconds, external=True),
            }
        )
    return photos


def _decisions(db_session: Session, mine: Any) -> dict[str, list[dict[str, Any]]]:
    """The decisions on the worker's submissions, by submission, oldest first."""
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
    return decisions


def _submissions(
    db_session: Session, user_id: str, link_ttl_seconds: int | None
) -> list[dict[str, Any]]:
    submissions = db_session.scalars(
        select(Submission)
        .where(Submission.worker_id == user_id)
        .order_by(Submission.received_at, Submission.id)
    ).all()
    mine = select(Submission.id).where(Submission.worker_id == user_id)
    photos = _photos(db_session, mine, user_id, link_ttl_seconds)
    decisions = _decisions(db_session, mine)
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
        found = ledger_queries.ledger_lines(
            db_session=db_session, worker_id=user_id, limit=LEDGER_PAGE, cursor=cursor
        )
        items += found["items"]
        cursor = found["next_cursor"]
        if cursor is None:
            break
    return {
        "balance": ledger_service.worker_balance(db_session=db_session, worker_id=user_id),
        "items": items,
    }
