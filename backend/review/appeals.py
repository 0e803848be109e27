"""Appeals: a worker contests a rejection; another admin decides; late appeals are granted.

What the API shows of them is in queries.py and presenters.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import Conflict, Forbidden, Invalid, not_found
from backend.i18n import gettext
from backend.kernel.scoping import get_visible
from backend.review import conflicts, rules
from backend.review.models import Appeal
from backend.review.service import admin_verdict, check_decision
from backend.submissions import states
from backend.submissions.decisions import Verdict, decide
from backend.submissions.models import Decision, Submission


def _rejecter(db_session: Session, submission_id: str) -> str | None:
    """The admin whose rejection stands (None when the machine rejected)."""
    return db_session.scalar(
        select(Decision.actor_id)
        .where(Decision.submission_id == submission_id, Decision.status == "rejected")
        .order_by(Decision.created_at.desc())
        .limit(1)
    )


def _check_appealable(submission: Submission, now: datetime, window_days: float) -> None:
    """Refuse an appeal of anything but a rejection still within its window."""
    if submission.status != "rejected":
        raise Conflict(
            gettext(
                "Only a rejection can be appealed; this submission is %(status)s.",
                status=submission.status,
            ),
            code="not_rejected",
        )
    assert submission.decided_at is not None  # a rejection is a decision
    deadline = rules.appeal_deadline(submission.decided_at, window_days)
    if now > deadline:
        raise Conflict(
            gettext("The appeal window closed at %(deadline)s.", deadline=deadline.isoformat()),
            code="appeal_window_closed",
            extra={"deadline": deadline.isoformat()},
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
        raise Invalid(
            gettext("Say why the rejection is wrong."), errors={"message": ["Must not be empty."]}
        )
    if db_session.scalar(select(Appeal.id).where(Appeal.submission_id == submission_id)):
        raise Conflict(gettext("This submission was already appealed."), code="already_appealed")
    _check_appealable(submission, now, window_days)
    if not states.move(  # False: a parallel appeal won
        db_session, submission_id=submission_id, froms=("rejected",), to="appealed"
    ):
        raise Conflict(gettext("This submission was already appealed."), code="already_appealed")
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


def _appeal_for(db_session: Session, appeal_id: str, reviewer: User) -> Appeal:
    """The appeal, if this reviewer may decide it: not the admin who rejected."""
    appeal = db_session.get(Appeal, appeal_id)
    if appeal is None:
        raise not_found("appeal")
    if appeal.rejected_by is not None and appeal.rejected_by == reviewer.id:
        raise Forbidden(
            "An appeal is decided by an admin other than the one who rejected.",
            code="same_reviewer",
        )
    return appeal


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
    appeal = _appeal_for(db_session, appeal_id, reviewer)
    if not _close(db_session, appeal, rules.outcome(decision), reviewer.id, now):
        db_session.refresh(appeal)
        raise conflicts.appeal_already_decided(db_session, appeal)
    submission = db_session.get(Submission, appeal.submission_id)
    assert submission is not None
    decide(
        db_session=db_session,
        submission_id=appeal.submission_id,
        verdict=admin_verdict(
            db_session,
            submission,
            reviewer=reviewer,
            decision=decision,
            reason_code=reason_code,
            comment=comment,
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
