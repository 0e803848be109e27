"""The audit sample: a share of the machine's approvals set aside for a person's second look.

Why here: the draw must be written in the same transaction as the approval it samples, and
the machine approves in `service.record_validation`. Validation sits below review, so the
sample's table and its one write live in validation; `backend/audits` (above review) reads
the samples, records the people's verdicts and adds up how often they agree.

Only the validation pipeline's approvals are drawn. The review deadline's approval is not a
judgement of the evidence (a check doubted it, or its campaign asked for a person, and nobody
came): agreement with it would measure the queue, not the checks. Admins' approvals are
already a person's.

The draw is random (the operating system's generator), not a hash of the submission id: a
resumable upload learns its submission id before its photos arrive, and anyone who can read
this code could otherwise tell which submissions will never be looked at twice. The percent
in force is kept on each sample, so the sample stays interpretable after the setting changes.

A sample never touches the approval: the submission, its decision and the worker's credit
are written exactly as they would be without it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend.validation.models import AuditSample

_draws = random.SystemRandom()


def in_sample(draw: float, percent: float) -> bool:
    """Whether a uniform draw in [0, 1) falls in the sample of `percent` (0 to 100) in 100."""
    return draw * 100 < percent


def passed_checks(checks: Sequence[dict[str, Any]]) -> list[str]:
    """Each check's name once, when it ran and passed everywhere it ran (every photo)."""
    failed = {c["name"] for c in checks if not c["passed"]}
    return sorted({c["name"] for c in checks} - failed)


def sample_approval(
    *,
    db_session: Session,
    submission_id: str,
    checks: Sequence[dict[str, Any]],
    percent: float,
    now: datetime,
) -> bool:
    """Draw a machine approval for the audit sample, or not; True when it was drawn."""
    if not in_sample(_draws.random(), percent):
        return False
    db_session.add(
        AuditSample(
            submission_id=submission_id,
            percent=percent,
            checks=passed_checks(checks),
            sampled_at=now,
        )
    )
    return True


def sample_of(db_session: Session, submission_id: str) -> AuditSample | None:
    """The audit sample of a submission, if it was drawn."""
    return db_session.get(AuditSample, submission_id)
