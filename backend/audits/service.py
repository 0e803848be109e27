"""Record an admin's audit of a sampled machine approval: once, and nothing else.

An audit is a measurement of the machine, never a decision: it writes its own row and leaves
the submission, its decisions and the ledger as they are (the worker was paid on approval).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.audits import rules
from backend.audits.models import Audit
from backend.errors import Conflict, Invalid, not_found
from backend.validation.sampling import sample_of


def record_audit(
    *,
    db_session: Session,
    submission_id: str,
    admin: User,
    agree: bool,
    reason_code: str | None,
    comment: str | None,
    now: datetime,
) -> Audit:
    """Record whether `admin` agrees with the machine's approval of a sampled submission."""
    problems = rules.audit_problems(agree, reason_code, comment)
    if problems:
        raise Invalid("The audit cannot be recorded as sent; see `errors`.", errors=problems)
    if sample_of(db_session, submission_id) is None:
        raise not_found("audit sample")
    audit = Audit(
        submission_id=submission_id,
        agree=agree,
        reason_code=reason_code,
        comment=(comment or "").strip() or None,
        audited_by=admin.id,
        audited_at=now,
    )
    try:
        with db_session.begin_nested():  # a concurrent audit of the same sample loses cleanly
            db_session.add(audit)
    except IntegrityError:
        raise already_audited(db_session, submission_id) from None
    return audit


def already_audited(db_session: Session, submission_id: str) -> Conflict:
    """The 409 for a second audit: who audited first, when, and what they found."""
    first = db_session.get_one(Audit, submission_id, populate_existing=True)
    by = db_session.get_one(User, first.audited_by)
    verdict = "agreed" if first.agree else f"disagreed ({first.reason_code})"
    return Conflict(
        f"Audited by {by.display_name} at {first.audited_at.isoformat()}: {verdict}.",
        code="already_audited",
        extra={
            "audited_by": {"id": by.id, "display_name": by.display_name},
            "audited_at": first.audited_at.isoformat(),
            "agree": first.agree,
        },
    )
