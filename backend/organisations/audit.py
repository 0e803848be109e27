"""The organisation's audit log: who created, edited, published, cancelled, exported,
invited, changed keys or webhooks. Written with `record` in the transaction of the act (a
rolled-back act leaves no line); read by owners, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.organisations.models import AuditEntry
from backend.pagination import page, paginate

# The contract's actions, and `member.role_changed` and `balance.topped_up` added by this
# issue's lead.
ACTIONS = (
    "member.invited",
    "member.joined",
    "member.removed",
    "member.role_changed",
    "campaign.created",
    "campaign.updated",
    "campaign.published",
    "campaign.cancelled",
    "results.exported",
    "api_key.created",
    "api_key.revoked",
    "webhook.created",
    "webhook.deleted",
    "balance.topped_up",
)


def record(
    *,
    db_session: Session,
    brand_id: str,
    actor_id: str | None,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one line of the organisation's audit log, in the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        brand_id=brand_id,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )
    db_session.add(entry)
    db_session.flush()
    return entry


def audit_page(
    *, db_session: Session, brand_id: str, action: str | None, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A page of the organisation's audit log, newest first, of one action if given."""
    stmt = select(AuditEntry).where(AuditEntry.brand_id == brand_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    rows = db_session.scalars(paginate(stmt, AuditEntry, limit=limit, cursor=cursor)).all()
    return page(rows, limit=limit)
