"""What the API shows of audits: the samples waiting, one audit, the agreement. Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, tuple_
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.audits import rules
from backend.audits.models import Audit
from backend.audits.presenters import audit_item_out, audit_out
from backend.campaigns.models import Campaign
from backend.missions.models import Mission
from backend.pagination import decode_cursor, encode_cursor
from backend.review.queue import queue_items
from backend.stores.models import Store
from backend.submissions.models import Submission
from backend.validation.models import AuditSample

SampleRow = Row[AuditSample, Submission, Mission, Store, Campaign]


def pending_audits(
    *, db_session: Session, limit: int, cursor: str | None, sla_hours: float, now: datetime
) -> dict[str, Any]:
    """Sampled approvals no admin has audited yet, the oldest drawn first."""
    not_audited = Audit.submission_id.is_(None)
    stmt = (
        select(AuditSample, Submission, Mission, Store, Campaign)
        .join(Submission, Submission.id == AuditSample.submission_id)
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .outerjoin(Audit, Audit.submission_id == AuditSample.submission_id)
        .where(not_audited)
    )
    total = db_session.scalar(
        select(func.count())
        .select_from(AuditSample)
        .outerjoin(Audit, Audit.submission_id == AuditSample.submission_id)
        .where(not_audited)
    )
    if cursor:
        after = decode_cursor(cursor)
        stmt = stmt.where(
            tuple_(AuditSample.sampled_at, AuditSample.submission_id) > tuple_(*after)
        )
    rows = db_session.execute(
        stmt.order_by(AuditSample.sampled_at, AuditSample.submission_id).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].AuditSample if rows else None
    return {
        "items": _items(db_session, rows, sla_hours, now),
        "next_cursor": encode_cursor(last.sampled_at, last.submission_id)
        if more and last
        else None,
        "counts": {"total": total},
    }


def _items(
    db_session: Session, rows: Sequence[SampleRow], sla_hours: float, now: datetime
) -> list[dict[str, Any]]:
    """Each sample's item: the review queue's item for its submission (its extras read for
    the whole page at once), and when it was drawn."""
    items = queue_items(db_session, rows, sla_hours=sla_hours, now=now)
    return [
        audit_item_out(item, row.AuditSample, row.Submission)
        for item, row in zip(items, rows, strict=True)
    ]


def audit_detail(*, db_session: Session, submission_id: str) -> dict[str, Any]:
    """A recorded audit as the API shows it."""
    audit = db_session.get_one(Audit, submission_id)
    return audit_out(
        audit,
        db_session.get_one(AuditSample, submission_id),
        db_session.get_one(User, audit.audited_by),
    )


def agreement(*, db_session: Session, since: datetime | None = None) -> dict[str, Any]:
    """How often admins agreed with the machine's sampled approvals, of the samples drawn
    `since` (all by default); see audits.rules."""
    stmt = (
        select(Audit.agree, AuditSample.checks, Campaign.id, Campaign.name)
        .join(AuditSample, AuditSample.submission_id == Audit.submission_id)
        .join(Submission, Submission.id == Audit.submission_id)
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
    )
    if since is not None:
        stmt = stmt.where(AuditSample.sampled_at >= since)
    rows = db_session.execute(stmt)
    return rules.agreement(
        rules.AuditedSample(
            agree=row.agree, checks=row.checks, campaign_id=row.id, campaign_name=row.name
        )
        for row in rows
    )
