"""Every view a brand can reach says what it needs: a scope (`@requires`), or the member
roles it is for (`@requires_role`). A view that forgets fails here, and meanwhile refuses
every API key (fail closed)."""

from __future__ import annotations

from backend.accounts.rules import ROLE_SCOPES, SCOPES, role_allows

# Views open to any signed-in account, about the account itself or the platform; no API key
# may use them (they name no scope), a member of any role may.
ACCOUNT_WIDE = {
    "accounts.logout",
    "accounts.resend_verification",
    "accounts.change_password",
    "privacy.me",
    "privacy.update_me",
    "privacy.export_me",
    "missions.geocode",
    "review.reasons",
    "validation.photo_rules",
    "fairness.brand_scorecard",
    "payouts.get_payout_request",
}


def _auth_views(app):
    for endpoint, view in app.view_functions.items():
        spec = getattr(view, "_spec", {})
        if spec.get("auth") is not None:
            yield endpoint, view, spec.get("roles") or []


def test_every_view_a_brand_reaches_carries_a_mark(app):
    unmarked = []
    for endpoint, view, roles in _auth_views(app):
        if roles and "brand" not in roles:
            continue
        marked = getattr(view, "required_scope", None) or getattr(view, "required_roles", None)
        if not marked and (roles or endpoint not in ACCOUNT_WIDE):
            unmarked.append(endpoint)
    assert unmarked == []


def test_the_account_wide_list_names_real_views_open_to_everyone(app):
    found = {endpoint: roles for endpoint, _view, roles in _auth_views(app)}
    assert set(found) >= ACCOUNT_WIDE
    assert all(found[endpoint] == [] for endpoint in ACCOUNT_WIDE)


def test_the_marks_of_todays_brand_views(app):
    scopes = {
        endpoint: getattr(view, "required_scope", None)
        for endpoint, view in app.view_functions.items()
    }
    assert scopes["stores.list_stores"] == scopes["stores.get_store"] == "stores:read"
    assert scopes["stores.create_store"] == scopes["stores.edit_store"] == "stores:write"
    assert scopes["stores.import_stores"] == scopes["stores.queue_store_import"] == "stores:write"
    assert (
        scopes["campaigns.list_campaigns"]
        == scopes["campaigns.quote_campaign"]
        == ("campaigns:read")
    )
    for endpoint in ("create_campaign", "edit_campaign", "publish_campaign", "cancel_campaign"):
        assert scopes[f"campaigns.{endpoint}"] == "campaigns:write"
    assert scopes["campaigns.reopen_mission"] == "campaigns:write"
    assert scopes["submissions.campaign_results"] == "results:read"
    assert scopes["submissions.get_photo"] == "results:read"
    roles = {
        endpoint: getattr(view, "required_roles", None)
        for endpoint, view in app.view_functions.items()
    }
    assert roles["organisations.audit_log"] == ("owner",)
    assert roles["organisations.invite_member"] == ("owner",)
    assert roles["organisations.create_api_key"] == ("owner", "manager")


def test_roles_imply_scopes():
    assert ROLE_SCOPES["owner"] == ROLE_SCOPES["manager"] == frozenset(SCOPES)
    assert ROLE_SCOPES["viewer"] == {"stores:read", "campaigns:read", "results:read"}
    assert not role_allows("viewer", "campaigns:write")
    assert not role_allows(None, "stores:read")
    assert role_allows("manager", "webhooks:write")
