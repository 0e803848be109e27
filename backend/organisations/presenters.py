"""JSON shapes of organisations, their members, invitations, API keys and audit log."""

from __future__ import annotations

from typing import Any

from backend.accounts.models import ApiKey, Brand, User
from backend.organisations.models import AuditEntry, OrganisationInvite


def member_out(user: User) -> dict[str, Any]:
    return {
        "user_id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.org_role,
    }


def organisation_out(brand: Brand, members: list[User]) -> dict[str, Any]:
    return {"id": brand.id, "name": brand.name, "members": [member_out(m) for m in members]}


def invite_out(invite: OrganisationInvite, brand: Brand) -> dict[str, Any]:
    return {
        "id": invite.id,
        "organisation": {"id": brand.id, "name": brand.name},
        "email": invite.email,
        "role": invite.role,
        "expires_at": invite.expires_at,
    }


def api_key_out(key: ApiKey, text: str | None = None) -> dict[str, Any]:
    shown = {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": list(key.scopes),
        "created_by": key.user_id,
        "created_at": key.created_at,
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
    }
    if text is not None:
        shown["key"] = text
    return shown


def audit_entry_out(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "action": entry.action,
        "actor_id": entry.actor_id,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "at": entry.created_at,
        "detail": entry.detail,
    }


def audit_page_out(found: dict[str, Any]) -> dict[str, Any]:
    return {
        "items": [audit_entry_out(entry) for entry in found["items"]],
        "next_cursor": found["next_cursor"],
    }


def organisation_of(user: User) -> dict[str, Any] | None:
    """What GET /me shows of the caller's organisation: null for anyone but a member."""
    if user.role != "brand" or user.brand is None:
        return None
    return {"id": user.brand.id, "name": user.brand.name, "role": user.org_role}
