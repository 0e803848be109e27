"""API keys: made by an organisation's owner or manager for its machines, shown once, stored
hashed, expiring and revocable. Keyword-only services; they flush, never commit.

A key acts as the member who made it, bounded by its scopes and that member's role; a member
removed takes their keys with them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from backend.accounts import rules
from backend.accounts.models import ApiKey, User
from backend.errors import Invalid, not_found
from backend.i18n import gettext

# last_used_at is written at most this often: a busy key must not write on every request.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class KeyGrant:
    """What a request authenticated by an API key may do: the key and its scopes."""

    key_id: str
    prefix: str
    scopes: frozenset[str]


def create_key(
    *,
    db_session: Session,
    user: User,
    name: str,
    scopes: list[str],
    expires_at: datetime | None,
    now: datetime,
) -> tuple[str, ApiKey]:
    """A new key of `user`'s organisation (the key text, shown once, and its row)."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [gettext("Must not be blank.")]
    unknown = sorted(set(scopes) - set(rules.SCOPES))
    if unknown or not scopes:
        errors["scopes"] = [f"Give one or more of: {', '.join(rules.SCOPES)}."]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = [gettext("Must be in the future.")]
    if errors:
        raise Invalid(gettext("The API key could not be made."), errors=errors)
    assert user.brand_id, "only a brand's member makes keys"
    text, prefix = rules.new_api_key()
    key = ApiKey(
        brand_id=user.brand_id,
        user_id=user.id,
        name=name.strip(),
        prefix=prefix,
        key_hash=rules.token_digest(text),
        scopes=sorted(set(scopes), key=rules.SCOPES.index),
        created_at=now,
        expires_at=expires_at,
    )
    db_session.add(key)
    db_session.flush()
    return text, key


def organisation_keys(*, db_session: Session, brand_id: str) -> list[ApiKey]:
    """The organisation's keys not revoked, newest first."""
    return list(
        db_session.scalars(
            select(ApiKey)
            .where(ApiKey.brand_id == brand_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
        )
    )


def revoke_key(*, db_session: Session, brand_id: str, key_id: str, now: datetime) -> ApiKey:
    """Revoke one of the organisation's keys: it stops working at once; 404 otherwise."""
    key = db_session.get(ApiKey, key_id)
    if key is None or key.brand_id != brand_id or key.revoked_at is not None:
        raise not_found("API key")
    key.revoked_at = now
    db_session.flush()
    return key


def revoke_keys_of(*, db_session: Session, user_id: str, now: datetime) -> int:
    """Revoke every key a member made (they leave the organisation); returns how many."""
    result = db_session.execute(
        update(ApiKey)
        .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def key_holder(*, db_session: Session, key: str, now: datetime) -> tuple[User, ApiKey] | None:
    """The member a key acts as and the key, or None when it is unknown, revoked, expired,
    or its member was removed."""
    row = db_session.execute(
        select(User, ApiKey)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(
            ApiKey.key_hash == rules.token_digest(key),
            ApiKey.revoked_at.is_(None),
            or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),
            User.removed_at.is_(None),
            User.role == "brand",
            User.brand_id == ApiKey.brand_id,
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


def touch(*, db_session: Session, key_id: str, now: datetime) -> bool:
    """Record that the key was used now, unless that was recorded less than a minute ago."""
    result = db_session.execute(
        update(ApiKey)
        .where(
            ApiKey.id == key_id,
            or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= now - TOUCH_EVERY),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def due_for_touch(key: ApiKey, now: datetime) -> bool:
    """Whether the key's last use is worth writing again."""
    return key.last_used_at is None or key.last_used_at <= now - TOUCH_EVERY
