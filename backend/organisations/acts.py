"""The audit log written from a request: the actor is the caller, and a line made through an
API key names the key (`detail.api_key`, its prefix)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend.accounts.auth import current_api_key, current_user
from backend.organisations import audit
from backend.organisations.models import AuditEntry


def record_act(
    *,
    db_session: Session,
    brand_id: str,
    action: str,
    target_type: str,
    target_id: str,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write the caller's act to the organisation's audit log, in the request's transaction."""
    key = current_api_key()
    if key is not None:
        detail = {**(detail or {}), "api_key": key.prefix}
    return audit.record(
        db_session=db_session,
        brand_id=brand_id,
        actor_id=current_user().id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
    )
