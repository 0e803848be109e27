"""HTTP endpoints of an organisation (a brand's team): members, invitations, the audit log,
API keys. Parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.access import requires_owner, requires_role
from backend.accounts.auth import auth, current_user
from backend.accounts.models import Brand
from backend.db import request_session
from backend.extensions import limiter
from backend.kernel.clock import utcnow
from backend.organisations import audit, invites, keys, members, presenters, service
from backend.organisations.schemas import (
    AcceptInviteIn,
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyListOut,
    AuditPageOut,
    AuditQuery,
    InviteAcceptedOut,
    InviteIn,
    InviteOut,
    MemberOut,
    OrganisationOut,
    RoleIn,
)
from backend.settings import current_settings

bp = APIBlueprint("organisations", __name__, url_prefix="/api/v1", tag="Organisations")

_MEMBER_ROLES = ("owner", "manager", "viewer")
_KEY_MAKERS = ("owner", "manager")
_ROLE_403 = (
    "403 `insufficient_role` for a member whose role may not, `insufficient_scope` for an API "
    "key (never accepted here)."
)


def _login_rate() -> str:
    return current_settings().login_rate_limit


@bp.get("/organisation")
@bp.auth_required(auth, roles=["brand"])
@requires_role(*_MEMBER_ROLES)
@bp.output(OrganisationOut)
@bp.doc(
    summary="The caller's organisation and its members",
    description="Any member may read it. " + _ROLE_403,
    responses=[401, 403],
)
def get_organisation() -> Any:
    return service.organisation(db_session=request_session(), user=current_user())


@bp.post("/organisation/invites")
@bp.auth_required(auth, roles=["brand"])
@requires_owner
@bp.input(InviteIn, arg_name="data")
@bp.output(InviteOut, status_code=201)
@bp.doc(
    summary="Invite someone into the organisation in a role (owners only)",
    description="A single-use link `{FAIRFIELD_PUBLIC_URL}/invite?token=...` is mailed to "
    "`email` (mail kind `organisation_invite`), working FAIRFIELD_INVITE_TTL_SECONDS. 409 "
    "`account_exists`, naming `email`, when an account has the address already; 422 naming "
    "the field for a bad address or role. Written to the audit log as `member.invited`. "
    + _ROLE_403,
    responses=[401, 403, 409, 422],
)
def invite_member(data: dict[str, Any]) -> Any:
    session = request_session()
    user = current_user()
    invite = invites.invite_member(
        db_session=session,
        inviter=user,
        brand_id=user.brand_id or "",
        email=data["email"],
        role=data["role"],
        locale=data["locale"] or user.locale,
        ttl_seconds=current_settings().invite_ttl_seconds,
        now=utcnow(),
    )
    brand = session.get(Brand, invite.brand_id)
    assert brand is not None
    return presenters.invite_out(invite, brand)


@bp.get("/invites/<token>")
@limiter.limit(_login_rate)
@bp.output(InviteOut)
@bp.doc(
    summary="What an invitation's link opens: organisation, address, role, expiry",
    description="Needs no bearer token. 404 `invite_invalid` for an invitation used already, "
    "expired or unknown alike. Rate limited like sign-in (FAIRFIELD_LOGIN_RATE_LIMIT).",
    responses=[404, 429],
)
def get_invite(token: str) -> Any:
    return service.invite_by_link(db_session=request_session(), token=token, now=utcnow())


@bp.post("/invites/<token>/accept")
@limiter.limit(_login_rate)
@bp.input(AcceptInviteIn, arg_name="data")
@bp.output(InviteAcceptedOut, status_code=201)
@bp.doc(
    summary="Accept an invitation: the account is made, signed in and verified",
    description="Single use and expiring: 404 `invite_invalid` for an invitation used "
    "already, expired or unknown alike. 409 `account_exists` when an account has the address "
    "meanwhile; 422 naming `password` or `display_name`. The new member's address counts as "
    "verified (they read the mail). Written to the audit log as `member.joined`.",
    responses=[404, 409, 422, 429],
)
def accept_invite(token: str, data: dict[str, Any]) -> Any:
    ttl = current_settings().token_ttl_seconds
    raw, user = invites.accept_invite(
        db_session=request_session(), token=token, ttl_seconds=ttl, now=utcnow(), **data
    )
    return {"access_token": raw, "token_type": "Bearer", "expires_in": ttl, "user_id": user.id}


@bp.delete("/organisation/members/<user_id>")
@bp.auth_required(auth, roles=["brand"])
@requires_owner
@bp.output({}, status_code=204, description="Removed; their tokens and keys stop working")
@bp.doc(
    summary="Remove a member (owners only): their tokens and API keys stop working at once",
    description="The member can no longer sign in (401, as bad credentials); the account "
    "stays for the audit log (`member.removed`). 409 `last_owner` for the organisation's "
    "last owner; 404 for anyone not a member of the caller's organisation. " + _ROLE_403,
    responses=[401, 403, 404, 409],
)
def remove_member(user_id: str) -> Any:
    members.remove_member(
        db_session=request_session(), actor=current_user(), user_id=user_id, now=utcnow()
    )
    return ""


@bp.patch("/organisation/members/<user_id>")
@bp.auth_required(auth, roles=["brand"])
@requires_owner
@bp.input(RoleIn, arg_name="data")
@bp.output(MemberOut)
@bp.doc(
    summary="Change a member's role (owners only)",
    description="Written to the audit log as `member.role_changed` with `detail: {from, "
    "to}`. 409 `last_owner` when it would leave the organisation without an owner; 404 for "
    "anyone not a member of the caller's organisation. " + _ROLE_403,
    responses=[401, 403, 404, 409, 422],
)
def change_member_role(user_id: str, data: dict[str, Any]) -> Any:
    member = members.change_role(
        db_session=request_session(), actor=current_user(), user_id=user_id, role=data["role"]
    )
    return presenters.member_out(member)


@bp.get("/organisation/audit-log")
@bp.auth_required(auth, roles=["brand"])
@requires_owner
@bp.input(AuditQuery, location="query", arg_name="query")
@bp.output(AuditPageOut)
@bp.doc(
    summary="Who did what in the organisation, when (owners only), newest first",
    description="Cursor-paged; `?action=` keeps one action. " + _ROLE_403,
    responses=[401, 403, 422],
)
def audit_log(query: dict[str, Any]) -> Any:
    found = audit.audit_page(
        db_session=request_session(), brand_id=current_user().brand_id or "", **query
    )
    return presenters.audit_page_out(found)


@bp.post("/api-keys")
@bp.auth_required(auth, roles=["brand"])
@requires_role(*_KEY_MAKERS)
@bp.input(ApiKeyIn, arg_name="data")
@bp.output(ApiKeyCreatedOut, status_code=201)
@bp.doc(
    summary="Make an API key for the organisation's machines (owners and managers)",
    description="`key` (`ffk_<8 chars>_<secret>`) is shown in this answer only; it is stored "
    "hashed. Sent as `Authorization: Bearer <key>`, it acts as the member who made it, "
    "bounded by its `scopes` and that member's role: a view needing a scope it lacks, or "
    "naming none, answers 403 `insufficient_scope`. Expired, revoked or its member removed: "
    "401. Rate limited per key (FAIRFIELD_API_KEY_RATE_LIMIT, 429 `rate_limited`). Written "
    "to the audit log as `api_key.created`. " + _ROLE_403,
    responses=[401, 403, 422],
)
def create_api_key(data: dict[str, Any]) -> Any:
    text, key = keys.create_key(
        db_session=request_session(), user=current_user(), now=utcnow(), **data
    )
    return presenters.api_key_out(key, text)


@bp.get("/api-keys")
@bp.auth_required(auth, roles=["brand"])
@requires_role(*_KEY_MAKERS)
@bp.output(ApiKeyListOut)
@bp.doc(
    summary="The organisation's API keys (owners and managers); never the keys themselves",
    description=_ROLE_403,
    responses=[401, 403],
)
def list_api_keys() -> Any:
    found = keys.organisation_keys(db_session=request_session(), user=current_user())
    return {"items": [presenters.api_key_out(key) for key in found], "next_cursor": None}


@bp.delete("/api-keys/<key_id>")
@bp.auth_required(auth, roles=["brand"])
@requires_role(*_KEY_MAKERS)
@bp.output({}, status_code=204, description="Revoked; the key stops working at once")
@bp.doc(
    summary="Revoke an API key (owners and managers): it stops working at once",
    description="Written to the audit log as `api_key.revoked`. 404 for a key not the "
    "organisation's or revoked already. " + _ROLE_403,
    responses=[401, 403, 404],
)
def revoke_api_key(key_id: str) -> Any:
    keys.revoke_key(db_session=request_session(), user=current_user(), key_id=key_id, now=utcnow())
    return ""
