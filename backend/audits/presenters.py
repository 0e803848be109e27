"""What the API shows of audits, built from their rows. No session."""

from __future__ import annotations

from typing import Any

from backend.accounts.models import User
from backend.audits.models import Audit
from backend.submissions.models import Submission
from backend.validation.models import AuditSample


def admin_out(user: User) -> dict[str, Any]:
    """An admin as others see them at work: who, by name."""
    return {"id": user.id, "display_name": user.display_name}


def sample_out(sample: AuditSample) -> dict[str, Any]:
    """When a submission was drawn for the audit, and at what odds."""
    return {"sampled_at": sample.sampled_at, "sample_percent": sample.percent}


def audit_item_out(
    queue_item: dict[str, Any], sample: AuditSample, submission: Submission
) -> dict[str, Any]:
    """A sampled approval awaiting its audit: the review queue's item for its submission, and
    when it was drawn (the schema leaves out what only a queue item has: its lease and its
    review deadline)."""
    return queue_item | sample_out(sample) | {"approved_at": submission.decided_at}


def audit_out(audit: Audit, sample: AuditSample, auditor: User) -> dict[str, Any]:
    """A recorded audit: the verdict, who gave it, and the sample it is about."""
    return {
        "submission_id": audit.submission_id,
        "agree": audit.agree,
        "reason_code": audit.reason_code,
        "comment": audit.comment,
        "audited_by": admin_out(auditor),
        "audited_at": audit.audited_at,
        **sample_out(sample),
    }
