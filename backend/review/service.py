"""Review: what waits for a person, their decisions, and the deadline that decides for them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns.models import Campaign
from backend.errors import Conflict, Invalid, not_found
from backend.missions.models import Mission
from backend.pagination import decode_cursor, encode_cursor
from backend.review import rules
from backend.stores.models import Store
from backend.submissions.decisions import Verdict, decide
from backend.submissions.models import Photo, Submission
from backend.urls import photo_url

# 0 sorts first: a submission a check doubted, then one its campaign routes to review.
_RANK = Submission.review_rank


def _queue_cursor(rank: int, received_at: datetime, submission_id: str) -> str:
    return f"{rank}.{encode_cursor(received_at, submission_id)}"


def _decode_queue_cursor(cursor: str) -> tuple[int, datetime, str]:
    rank, _, rest = cursor.partition(".")
    if rank not in ("0", "1"):
        raise Invalid("The cursor is not one we gave out.", errors={"cursor": ["Invalid."]})
    received_at, submission_id = decode_cursor(rest)
    return int(rank), received_at, submission_id


def review_queue(
    *, db_session: Session, limit: int, cursor: str | None, sla_hours: float
) -> dict[str, Any]:
    """Submissions awaiting a person: doubted ones first, then the longest waiting."""
    stmt = (
        select(Submission, Mission, Store, Campaign)
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(Submission.status == "in_review")
    )
    if cursor:
        after = _decode_queue_cursor(cursor)
        stmt = stmt.where(tuple_(_RANK, Submission.received_at, Submission.id) > tuple_(*after))
    rows = db_session.execute(
        stmt.order_by(_RANK, Submission.received_at, Submission.id).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    photos = _photos_of(db_session, [row.Submission.id for row in rows])
    items = [_queue_item(row, photos.get(row.Submission.id, []), sla_hours) for row in rows]
    last = rows[-1] if rows else None
    return {
        "items": items,
        "next_cursor": _queue_cursor(
            last.Submission.review_rank, last.Submission.received_at, last.Submission.id
        )
        if more and last
        else None,
    }


def _photos_of(db_session: Session, submission_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    if not submission_ids:
        return found
    for photo in db_session.scalars(
        select(Photo)
        .where(Photo.submission_id.in_(submission_ids))
        .order_by(Photo.submission_id, Photo.position)
    ):
        found.setdefault(photo.submission_id, []).append(
            {"id": photo.id, "position": photo.position, "url": photo_url(photo.id)}
        )
    return found


def _queue_item(row: Any, photos: list[dict[str, Any]], sla_hours: float) -> dict[str, Any]:
    submission, mission, store, campaign = row.Submission, row.Mission, row.Store, row.Campaign
    in_review_since = submission.decided_at or submission.received_at
    return {
        "id": submission.id,
        "status": submission.status,
        "flagged": submission.review_rank == 0,
        "flags": submission.flags,
        "checks": submission.checks,
        "evidence": {
            "outcome": submission.outcome,
            "answers": submission.answers,
            "latitude": submission.latitude,
            "longitude": submission.longitude,
            "accuracy_m": submission.accuracy_m,
            "captured_at": submission.captured_at,
        },
        "photos": photos,
        "store": {
            "id": store.id,
            "name": store.name,
            "address": store.address,
            "latitude": store.latitude,
            "longitude": store.longitude,
            "geofence_m": store.geofence_m,
        },
        "mission_id": mission.id,
        "campaign": {"id": campaign.id, "name": campaign.name},
        "reward": {
            "amount_minor": mission.reward_amount_minor,
            "currency": mission.reward_currency,
        },
        "received_at": submission.received_at,
        "in_review_since": in_review_since,
        "deadline_at": rules.review_deadline(in_review_since, sla_hours),
    }


def admin_evidence(db_session: Session, submission: Submission) -> dict[str, Any]:
    """What a reviewer had before them, kept with their decision."""
    photos = _photos_of(db_session, [submission.id]).get(submission.id, [])
    return {
        "checks": {c["name"]: c["passed"] for c in submission.checks},
        "flags": list(submission.flags),
        "photos": [p["id"] for p in photos],
    }


def check_decision(decision: str, reason_code: str | None, comment: str | None) -> None:
    problems = rules.decision_problems(decision, reason_code, comment)
    if problems:
        raise Invalid("The decision cannot be recorded as sent; see `errors`.", errors=problems)


def decide_submission(
    *,
    db_session: Session,
    submission_id: str,
    reviewer: User,
    decision: str,
    reason_code: str | None,
    comment: str | None,
    now: datetime,
) -> Submission:
    """Approve or reject a submission awaiting review, once, whatever the concurrency."""
    check_decision(decision, reason_code, comment)
    submission = db_session.get(Submission, submission_id)
    if submission is None:
        raise not_found("submission")
    decided = decide(
        db_session=db_session,
        submission_id=submission_id,
        verdict=Verdict(
            status=rules.outcome(decision),
            actor="admin",
            actor_id=reviewer.id,
            reasons=[reason_code] if reason_code else [],
            flags=list(submission.flags),
            comment=(comment or "").strip() or None,
            evidence=admin_evidence(db_session, submission),
        ),
        now=now,
        from_statuses=("in_review",),
    )
    if not decided:
        db_session.expire(submission)
        raise Conflict(
            f"Submission {submission_id} is {submission.status}, not awaiting review.",
            code="not_in_review",
            extra={"submission_status": submission.status},
        )
    db_session.flush()
    db_session.refresh(submission)
    return submission


def approve_overdue(*, db_session: Session, now: datetime, sla_hours: float, limit: int) -> int:
    """Approve and pay what waited longer than the review deadline; returns how many."""
    cutoff = now - timedelta(hours=sla_hours)
    due = db_session.execute(
        select(Submission.id, Submission.flags, Submission.decided_at)
        .where(Submission.status == "in_review", Submission.decided_at <= cutoff)
        .order_by(Submission.decided_at)
        .limit(limit)
    ).all()
    approved = 0
    for row in due:
        approved += decide(
            db_session=db_session,
            submission_id=row.id,
            verdict=Verdict(
                status="approved",
                actor="deadline",
                flags=list(row.flags),
                comment=f"Not reviewed within {sla_hours:g} hours: approved and paid.",
                evidence={"in_review_since": row.decided_at.isoformat(), "sla_hours": sla_hours},
            ),
            now=now,
            from_statuses=("in_review",),
        )
    db_session.flush()
    return approved
