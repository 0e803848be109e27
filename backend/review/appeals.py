"""Appeals: a worker contests a rejection; another admin decides; late appeals are granted."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import Conflict, Forbidden, Invalid, not_found
from backend.kernel.scoping import get_visible
from backend.pagination import decode_cursor, encode_cursor
from backend.review import rules
from backend.review.models import Appeal
from backend.review.service import admin_evidence, check_decision
from backend.submissions import states
from backend.submissions.decisions import Verdict, decide
from backend.submissions.models import Decision, Submission
from backend.submissions.service import decision_history, decision_out


def _rejecter(db_session: Session, submission_id: str) -> str | None:
    """The admin whose rejection stands (None when the machine rejected)."""
    return db_session.scalar(
        select(Decision.actor_id)
        .where(Decision.submission_id == submission_id, Decision.status == "rejected")
        .order_by(Decision.created_at.desc())
        .limit(1)
    )


def appeal_rejection(
    *,
    db_session: Session,
    submission_id: str,
    worker: User,
    message: str,
    now: datetime,
    window_days: float,
) -> Appeal:
    """Contest a rejection within the appeal window; the submission waits for a second admin."""
    submission = get_visible(db_session, Submission, submission_id, worker)
    text = message.strip()
    if not text:
        raise Invalid("Say why the rejection is wrong.", errors={"message": ["Must not be empty."]})
    if db_session.scalar(select(Appeal.id).where(Appeal.submission_id == submission_id)):
        raise Conflict("This submission was already appealed.", code="already_appealed")
    if submission.status != "rejected":
        raise Conflict(
            f"Only a rejection can be appealed; this submission is {submission.status}.",
            code="not_rejected",
        )
    assert submission.decided_at is not None  # a rejection is a decision
    deadline = rules.appeal_deadline(submission.decided_at, window_days)
    if now > deadline:
        raise Conflict(
            f"The appeal window closed at {deadline.isoformat()}.",
            code="appeal_window_closed",
            extra={"deadline": deadline.isoformat()},
        )
    if not states.move(  # False: a parallel appeal won
        db_session, submission_id=submission_id, froms=("rejected",), to="appealed"
    ):
        raise Conflict("This submission was already appealed.", code="already_appealed")
    appeal = Appeal(
        submission_id=submission_id,
        worker_id=worker.id,
        message=text,
        status="open",
        rejected_by=_rejecter(db_session, submission_id),
        created_at=now,
    )
    db_session.add(appeal)
    db_session.flush()
    return appeal


def list_appeals(
    *, db_session: Session, status: str, limit: int, cursor: str | None, sla_hours: float
) -> dict[str, Any]:
    """Appeals in one status, the longest waiting first."""
    stmt = (
        select(Appeal, Submission)
        .join(Submission, Submission.id == Appeal.submission_id)
        .where(Appeal.status == status)
    )
    if cursor:
        created_at, appeal_id = decode_cursor(cursor)
        stmt = stmt.where(tuple_(Appeal.created_at, Appeal.id) > tuple_(created_at, appeal_id))
    rows = db_session.execute(stmt.order_by(Appeal.created_at, Appeal.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].Appeal if rows else None
    history = _histories(db_session, [row.Submission.id for row in rows])
    return {
        "items": [
            appeal_out(row.Appeal, history.get(row.Submission.id, []), sla_hours) for row in rows
        ],
        "next_cursor": encode_cursor(last.created_at, last.id) if more and last else None,
    }


def _histories(db_session: Session, submission_ids: list[str]) -> dict[str, list[Decision]]:
    """Each submission's decisions, oldest first: one query."""
    found: dict[str, list[Decision]] = {}
    for decision in decision_history(db_session, submission_ids):
        found.setdefault(decision.submission_id, []).append(decision)
    return found


def appeal_history(db_session: Session, appeal: Appeal) -> list[Decision]:
    """The decisions on an appeal's submission, oldest first."""
    return decision_history(db_session, [appeal.submission_id])


def appeal_out(appeal: Appeal, decisions: list[Decision], sla_hours: float) -> dict[str, Any]:
    """An appeal as admins see it: the worker's message beside the rejection it contests (as
    it was, whatever the appeal decided since), and every decision on the submission."""
    contested = [d for d in decisions if d.status == "rejected" and d.appeal_id is None]
    rejection = contested[-1] if contested else None
    return {
        "id": appeal.id,
        "submission_id": appeal.submission_id,
        "status": appeal.status,
        "message": appeal.message,
        "rejected_by": appeal.rejected_by,
        "rejection": {
            "reasons": rejection.reasons if rejection else [],
            "flags": rejection.flags if rejection else [],
            "comment": rejection.comment if rejection else None,
            "actor": rejection.actor if rejection else None,
            "decided_at": rejection.created_at.isoformat() if rejection else None,
        },
        "decisions": [decision_out(d) for d in decisions],
        "created_at": appeal.created_at,
        "deadline_at": rules.review_deadline(appeal.created_at, sla_hours),
        "decided_by": appeal.decided_by,
        "decided_at": appeal.decided_at,
    }


def decide_appeal(
    *,
    db_session: Session,
    appeal_id: str,
    reviewer: User,
    decision: str,
    reason_code: str | None,
    comment: str | None,
    now: datetime,
) -> tuple[Appeal, Submission]:
    """A second admin decides an appeal; a reversal approves the submission and pays it."""
    check_decision(decision, reason_code, comment)
    appeal = db_session.get(Appeal, appeal_id)
    if appeal is None:
        raise not_found("appeal")
    if appeal.rejected_by is not None and appeal.rejected_by == reviewer.id:
        raise Forbidden(
            "An appeal is decided by an admin other than the one who rejected.",
            code="same_reviewer",
        )
    if not _close(db_session, appeal, rules.outcome(decision), reviewer.id, now):
        db_session.expire(appeal)
        raise Conflict(f"Appeal {appeal_id} is already decided.", code="appeal_decided")
    submission = db_session.get(Submission, appeal.submission_id)
    assert submission is not None
    decide(
        db_session=db_session,
        submission_id=appeal.submission_id,
        verdict=Verdict(
            status=rules.outcome(decision),
            actor="admin",
            actor_id=reviewer.id,
            reasons=[reason_code] if reason_code else [],
            flags=list(submission.flags),
            comment=(comment or "").strip() or None,
            # The appeal's id, not its text: the worker's words stay erasable, the audit
            # does not.
            evidence=admin_evidence(db_session, submission) | {"appeal_id": appeal.id},
            appeal_id=appeal.id,
        ),
        now=now,
        from_statuses=("appealed",),
    )
    db_session.flush()
    db_session.refresh(appeal)
    db_session.refresh(submission)
    return appeal, submission


def _close(db_session: Session, appeal: Appeal, status: str, by: str | None, now: datetime) -> bool:
    """Decide an open appeal; False when another decider closed it first."""
    closed = db_session.execute(
        update(Appeal)
        .where(Appeal.id == appeal.id, Appeal.status == "open")
        .values(status=status, decided_by=by, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(closed.rowcount == 1)  # type: ignore[attr-defined]


def approve_overdue_appeals(
    *, db_session: Session, now: datetime, sla_hours: float, limit: int
) -> int:
    """Grant appeals nobody decided within the review deadline; returns how many."""
    due = db_session.execute(
        select(Appeal, Submission.flags)
        .join(Submission, Submission.id == Appeal.submission_id)
        .where(Appeal.status == "open", Appeal.created_at <= now - timedelta(hours=sla_hours))
        .order_by(Appeal.created_at)
        .limit(limit)
    ).all()
    granted = 0
    for appeal, flags in due:
        if not _close(db_session, appeal, "approved", None, now):
            continue  # an admin decided it meanwhile
        granted += decide(
            db_session=db_session,
            submission_id=appeal.submission_id,
            verdict=Verdict(
                status="approved",
                actor="deadline",
                flags=list(flags),
                comment=f"Appeal not decided within {sla_hours:g} hours: approved and paid.",
                evidence={"appealed_at": appeal.created_at.isoformat(), "sla_hours": sla_hours},
                appeal_id=appeal.id,
            ),
            now=now,
            from_statuses=("appealed",),
        )
    db_session.flush()
    return granted
