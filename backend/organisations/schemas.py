"""Request and response shapes of organisations, invitations, API keys and the audit log."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import AwareDateTime, DateTime, Dict, Email, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from backend.accounts.models import LOCALES, ORG_ROLES
from backend.accounts.rules import PASSWORD_MAX, PASSWORD_MIN, SCOPES
from backend.organisations.audit import ACTIONS
from backend.schemas import PageQuery

_ROLE_DOC = {
    "description": "owner: everything; manager: stores, campaigns, results, webhooks, API "
    "keys; viewer: read only"
}


class MemberOut(Schema):
    user_id = String()
    email = String()
    display_name = String()
    role = String(metadata=_ROLE_DOC)


class OrganisationOut(Schema):
    id = String()
    name = String()
    members = List(Nested(MemberOut), metadata={"description": "Members not removed"})


class OrganisationRefOut(Schema):
    id = String()
    name = String()


class MeOrganisationOut(OrganisationRefOut):
    role = String(metadata=_ROLE_DOC)


class InviteIn(Schema):
    email = Email(required=True, validate=Length(max=254))
    role = String(required=True, validate=OneOf(ORG_ROLES), metadata=_ROLE_DOC)
    locale = String(
        load_default=None,
        validate=OneOf(LOCALES),
        metadata={
            "description": "The language of the invitation mail and of the new account "
            "(en, fr, nl); left out, the inviting owner's"
        },
    )


class InviteOut(Schema):
    id = String()
    organisation = Nested(OrganisationRefOut)
    email = String()
    role = String(metadata=_ROLE_DOC)
    expires_at = DateTime()


class AcceptInviteIn(Schema):
    password = String(required=True, validate=Length(min=PASSWORD_MIN, max=PASSWORD_MAX))
    display_name = String(required=True, validate=Length(min=1, max=100))


class InviteAcceptedOut(Schema):
    access_token = String()
    token_type = String()
    expires_in = Integer()
    user_id = String()


class RoleIn(Schema):
    role = String(required=True, validate=OneOf(ORG_ROLES), metadata=_ROLE_DOC)


class AuditQuery(PageQuery):
    action = String(
        load_default=None,
        validate=OneOf(ACTIONS),
        metadata={"description": "Only lines of this action"},
    )


class AuditEntryOut(Schema):
    id = String()
    action = String(metadata={"description": ", ".join(ACTIONS)})
    actor_id = String(allow_none=True, metadata={"description": "The member (or admin) who acted"})
    target_type = String(metadata={"description": "user, invite, campaign, api_key, webhook"})
    target_id = String()
    at = DateTime()
    detail = Dict(allow_none=True)


class AuditPageOut(Schema):
    items = List(Nested(AuditEntryOut))
    next_cursor = String(allow_none=True)


class ApiKeyIn(Schema):
    name = String(required=True, validate=Length(min=1, max=100))
    scopes = List(
        String(validate=OneOf(SCOPES)),
        required=True,
        validate=Length(min=1),
        metadata={"description": "One or more of: " + ", ".join(SCOPES)},
    )
    expires_at = AwareDateTime(
        load_default=None,
        allow_none=True,
        format="iso",
        metadata={"description": "With its offset; never, when left out or null"},
    )


class ApiKeyOut(Schema):
    id = String()
    name = String()
    prefix = String(metadata={"description": "`ffk_` and 8 characters: the key's start"})
    scopes = List(String())
    created_by = String(metadata={"description": "The member the key acts as"})
    created_at = DateTime()
    expires_at = DateTime(allow_none=True)
    last_used_at = DateTime(
        allow_none=True, metadata={"description": "Written at most once a minute"}
    )


class ApiKeyCreatedOut(ApiKeyOut):
    key = String(
        metadata={"description": "The key itself, `ffk_<8 chars>_<secret>`: shown this once"}
    )


class ApiKeyListOut(Schema):
    items = List(Nested(ApiKeyOut), metadata={"description": "Keys not revoked, newest first"})
    next_cursor = String(allow_none=True, metadata={"description": "Always null: one page"})
