"""API keys as an organisation's act: made and revoked by its owners and managers, each
written to the audit log. Keyword-only services; they flush, never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backend.accounts import apikeys
from backend.accounts.models import ApiKey, User
from backend.organisations import audit


def create_key(
    *,
    db_session: Session,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None,
    now: datetime,
) -> tuple[str, ApiKey]:
    """A new key of the member's organisation (its text, shown once, and its row)."""
    text, key = apikeys.create_key(
        db_session=db_session, user=user, name=name, scopes=scopes, expires_at=expires_at, now=now
    )
    audit.record(
        db_session=db_session,
        brand_id=key.brand_id,
        actor_id=user.id,
        action="api_key.created",
        target_type="api_key",
        target_id=key.id,
        detail={"name": key.name, "prefix": key.prefix, "scopes": list(key.scopes)},
    )
    return text, key


def organisation_keys(*, db_session: Session, user: User) -> list[ApiKey]:
    """The keys of the member's organisation not revoked, newest first."""
    assert user.brand_id, "only a brand's member lists keys"
    return apikeys.organisation_keys(db_session=db_session, brand_id=user.brand_id)


def revoke_key(*, db_session: Session, user: User, key_id: str, now: datetime) -> ApiKey:
    """Revoke one of the member's organisation's keys; 404 for any other."""
    assert user.brand_id, "only a brand's member revokes keys"
    key = apikeys.revoke_key(db_session=db_session, brand_id=user.brand_id, key_id=key_id, now=now)
    audit.record(
        db_session=db_session,
        brand_id=key.brand_id,
        actor_id=user.id,
        action="api_key.revoked",
        target_type="api_key",
        target_id=key.id,
        detail={"name": key.name, "prefix": key.prefix},
    )
    return key
