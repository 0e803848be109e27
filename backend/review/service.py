"""Review: an admin's decisions, and the deadline that decides for them.

What the API shows of the queue and appeals is in queries.py and presenters.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from backend.accounts.models import User
from backend.errors import DomainError, Invalid
from backend.review import conflicts, leases, rules
from backend.review.conflicts import UnderReview
from backend.submissions.decisions import Verdict, decide
from backend.submissions.models import Photo, Submission

_PHOTO_IDS = (
    select(Photo.id)
    .where(Photo.submission_id == bindparam("submission_id"))
    .order_by(Photo.position)
)


def admin_evidence(
    db_session: Session,
    submission: Submission | UnderReview,
    photo_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """What a reviewer had before them, kept with their decision (the photos' ids read
    here unless given)."""
    photos = photo_ids
    if photos is None:
        photos = db_session.scalars(_PHOTO_IDS, {"submission_id": submission.id}).all()
    return {
        "checks": {c["name"]: c["passed"] for c in submission.checks},
        "flags": list(submission.flags),
        "photos": list(photos),
    }


def admin_verdict(
    db_session: Session,
    submission: Submission | UnderReview,
    *,
    reviewer: User,
    decision: str,
    reason_code: str | None,
    comment: str | None,
    appeal_id: str | None = None,
    photo_ids: Sequence[str] | None = None,
) -> Verdict:
    """An admin's decision on a submission, with what they had before them."""
    evidence = admin_evidence(db_session, submission, photo_ids)
    if appeal_id is not None:
        # The appeal's id, not its text: the worker's words stay erasable, the audit does not.
        evidence |= {"appeal_id": appeal_id}
    return Verdict(
        status=rules.outcome(decision),
        actor="admin",
        actor_id=reviewer.id,
        reasons=[reason_code] if reason_code else [],
        flags=list(submission.flags),
        comment=(comment or "").strip() or None,
        evidence=evidence,
        appeal_id=appeal_id,
    )


def check_decision(decision: str, reason_code: str | None, comment: str | None) -> None:
    """Refuse a decision its rules say cannot be recorded as sent."""
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
) -> None:
    """Approve or reject a submission awaiting review, once, whatever the concurrency: 409
    `lease_held` when another admin holds it, `already_decided` (who, what, when) when
    someone decided it first. What the API shows of it after is the caller's to read."""
    check_decision(decision, reason_code, comment)
    submission = conflicts.awaiting_review_with_photos(db_session, submission_id)
    # Another admin's live lease refuses it; any other lease goes with the decision.
    leases.take_over_for_decision(db_session, submission_id=submission_id, admin=reviewer, now=now)
    decided = decide(
        db_session=db_session,
        submission_id=submission_id,
        verdict=admin_verdict(
            db_session,
            submission,
            reviewer=reviewer,
            decision=decision,
            reason_code=reason_code,
            comment=comment,
            photo_ids=submission.photo_ids,
        ),
        now=now,
        from_statuses=("in_review",),
    )
    if not decided:  # another decider moved it since we read it
        moved = db_session.get_one(Submission, submission_id, populate_existing=True)
        raise conflicts.not_awaiting_review(db_session, moved)
    db_session.flush()
    # The decision was written past the ORM, and this read no model of the submission: one
    # the session holds from before (a bulk approval's caller's) is read afresh when used.
    held = db_session.identity_map.get(identity_key(Submission, submission_id))
    if held is not None:
        db_session.expire(held)


@dataclass(frozen=True)
class BulkApproval:
    """What a bulk approval did: the ids approved, and each skipped one with why."""

    approved: list[str]
    skipped: list[dict[str, str]]


def bulk_approve(
    *, db_session: Session, submission_ids: Sequence[str], reviewer: User, now: datetime
) -> BulkApproval:
    """Approve each submission still awaiting review and not leased by another admin, as a
    single approval would, each in its own savepoint: one refused leaves the others
    approved, and an approval pays once as ever. The rest are skipped with code and detail."""
    approved: list[str] = []
    skipped: list[dict[str, str]] = []
    for submission_id in submission_ids:
        try:
            with db_session.begin_nested():
                decide_submission(
                    db_session=db_session,
                    submission_id=submission_id,
                    reviewer=reviewer,
                    decision="approve",
                    reason_code=None,
                    comment=None,
                    now=now,
                )
        except DomainError as refused:
            skipped.append(
                {"submission_id": submission_id, "code": refused.code, "detail": refused.detail}
            )
        else:
            approved.append(submission_id)
    return BulkApproval(approved=approved, skipped=skipped)


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
    # Nobody works a submission the deadline decided: its leases go with it.
    leases.drop_leases(db_session, [row.id for row in due])
    db_session.flush()
    return approved
