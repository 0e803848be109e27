"""Decide a submission: record the decision (its row and the submission's status, the
worker's notice queued), then settle it (submissions.settlement: the worker's pay, the
mission's state)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Update, bindparam, case, insert, or_
from sqlalchemy.orm import Session

from backend.kernel.durations import seconds_between
from backend.kernel.ids import new_id
from backend.submissions import notices, rules, settlement, states
from backend.submissions.models import Decision, Submission

# The decisions the fairness figures time a submission by: the seconds from its receipt to
# its first of these (by anyone, an appeal's included) are kept as Submission.decision_seconds.
DECISIVE = ("approved", "rejected")


@dataclass(frozen=True)
class Verdict:
    """What a decider (machine, admin, deadline) decided, as the decision row keeps it."""

    status: str  # in_review | approved | rejected
    actor: str
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    actor_id: str | None = None
    comment: str | None = None
    evidence: dict[str, Any] | None = None  # default: the checks' verdicts, if any
    appeal_id: str | None = None
    checks: list[dict[str, Any]] | None = None  # the machine's, kept on the submission


def decide(
    *,
    db_session: Session,
    submission_id: str,
    verdict: Verdict,
    now: datetime,
    from_statuses: Sequence[str] | None = None,
) -> bool:
    """Record a decision, settle it and queue the worker's notice of it: False (nothing
    written) when the submission was not in one of `from_statuses` (default: any its new
    status may follow), as when another decider got there first."""
    recorded = record_decision(
        db_session=db_session,
        submission_id=submission_id,
        verdict=verdict,
        now=now,
        from_statuses=from_statuses,
    )
    if recorded:
        approval = settlement.settle_decision(
            db_session=db_session, submission_id=submission_id, status=verdict.status, now=now
        )
        # The worker hears of it by mail once this commits (backend/notices); an approval's
        # notice is told from the row its settlement paid by, not read again.
        notices.queue_decision_notice(
            db_session=db_session,
            submission_id=submission_id,
            status=verdict.status,
            actor=verdict.actor,
            reasons=verdict.reasons,
            comment=verdict.comment,
            appeal_id=verdict.appeal_id,
            now=now,
            about=approval,
        )
    return recorded


def record_decision(
    *,
    db_session: Session,
    submission_id: str,
    verdict: Verdict,
    now: datetime,
    from_statuses: Sequence[str] | None = None,
) -> bool:
    """Move the submission to the verdict's status and append the decision that moved it;
    False (nothing written) when it was not in one of `from_statuses`. Its notice is
    decide()'s."""
    params: dict[str, Any] = {
        "submission_id": submission_id,
        "reasons": verdict.reasons,
        "flags": verdict.flags,
        "review_rank": rules.review_rank(verdict.flags),
        "decided_at": now,
    }
    if verdict.checks is not None:
        params["checks"] = verdict.checks
    froms = None if from_statuses is None else tuple(from_statuses)
    move = _move(verdict.status, froms, verdict.checks is not None)
    if not states.moved(db_session, move, params):
        return False
    # Past the ORM (append-only, nobody edits it in this session): its unit of work cost more
    # than the insert. Whatever the session holds unwritten (the appeal it names) goes first.
    db_session.flush()
    db_session.connection().execute(_INSERT_DECISION, _decision_row(submission_id, verdict, now))
    return True


@cache
def _move(to: str, froms: tuple[str, ...] | None, checks: bool) -> Update:
    """The decision's move (states.statement), built once per shape: building it took
    longer than running it. Its parameters: submission_id, reasons, flags, review_rank,
    decided_at, and checks when `checks`."""
    columns = Submission.__table__.c
    values: dict[str, Any] = {
        name: bindparam(name, type_=columns[name].type)
        for name in ("reasons", "flags", "review_rank", "decided_at")
    }
    if checks:
        values["checks"] = bindparam("checks", type_=columns["checks"].type)
    if to in DECISIVE:
        values["decision_seconds"] = _first_decision_seconds(values["decided_at"])
    return states.statement(to=to, froms=froms, values=values)


def _first_decision_seconds(now: ColumnElement[Any]) -> ColumnElement[Any]:
    """Seconds from receipt to `now`, unless an earlier approval or rejection is kept."""
    kept = Submission.decision_seconds
    seconds = seconds_between(Submission.received_at, now)
    return case((or_(kept.is_(None), kept > seconds), seconds), else_=kept)


_INSERT_DECISION = insert(Decision)


def _decision_row(submission_id: str, verdict: Verdict, now: datetime) -> dict[str, Any]:
    """The decision as kept: evidence defaults to the checks' verdicts, if any."""
    evidence = verdict.evidence
    if evidence is None and verdict.checks is not None:
        evidence = {"checks": {c["name"]: c["passed"] for c in verdict.checks}}
    return {
        "id": new_id(),
        "submission_id": submission_id,
        "status": verdict.status,
        "actor": verdict.actor,
        "actor_id": verdict.actor_id,
        "reasons": verdict.reasons,
        "flags": verdict.flags,
        "comment": verdict.comment,
        "evidence": evidence or {},
        "appeal_id": verdict.appeal_id,
        "created_at": now,
    }
