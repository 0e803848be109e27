"""What the API shows of audits, built from their rows. No session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backend.accounts.models import User
from backend.audits.models import Audit
from backend.campaigns.models import Campaign
from backend.missions.models import Mission
from backend.review.presenters import queue_item_out
from backend.stores.models import Store
from backend.submissions.models import Photo, Submission
from backend.validation.models import AuditSample


def admin_out(user: User) -> dict[str, Any]:
    """An admin as others see them at work: who, by name."""
    return {"id": user.id, "display_name": user.display_name}


def sample_out(sample: AuditSample) -> dict[str, Any]:
    """When a submission was drawn for the audit, and at what odds."""
    return {"sampled_at": sample.sampled_at, "sample_percent": sample.percent}


def audit_item_out(
    sample: AuditSample,
    submission: Submission,
    *,
    mission: Mission,
    store: Store,
    campaign: Campaign,
    photos: Sequence[Photo],
    sla_hours: float,
) -> dict[str, Any]:
    """A sampled approval awaiting its audit: what the review queue shows of a submission,
    and when it was drawn (the schema leaves out what only a queue item has: its lease and
    its review deadline)."""
    item = queue_item_out(
        submission,
        mission=mission,
        store=store,
        campaign=campaign,
        photos=photos,
        sla_hours=sla_hours,
    )
    return item | sample_out(sample) | {"approved_at": submission.decided_at}


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
