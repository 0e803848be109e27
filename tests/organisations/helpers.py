"""An organisation as the tests build it: an owner with stores, members invited by mail."""

from __future__ import annotations

from typing import Any

from tests.support.factories import StoreFactory, UserFactory
from tests.support.mail import read_eml, run_mail, token_in

API = "/api/v1"


def owner_with_stores(make: Any, auth_headers: Any, stores: int = 2) -> tuple[Any, dict, list]:
    """A brand's owner (a brand user made as today), their headers and store ids."""
    owner = make(UserFactory, brand_user=True, display_name="Olga Owner")
    made = [make(StoreFactory, brand_id=owner.brand_id) for _ in range(stores)]
    return owner, auth_headers(owner), [store.id for store in made]


def invite(client: Any, headers: dict, email: str, role: str) -> Any:
    return client.post(
        f"{API}/organisation/invites", json={"email": email, "role": role}, headers=headers
    )


def mailed_invite_token(app: Any, db: Any, email: str) -> str:
    """Send the queued mail and take the invitation's token from the mail to `email`."""
    assert set(run_mail(app, db)) <= {"sent"}
    mails = [m for m in read_eml(app) if m["To"] == email]
    assert mails, f"no mail to {email}"
    return token_in(mails[-1], "/invite")


def join(app: Any, db: Any, client: Any, headers: dict, email: str, role: str) -> dict:
    """Invite `email` in `role`, accept the mailed link; the new member's bearer headers."""
    assert invite(client, headers, email, role).status_code == 201
    token = mailed_invite_token(app, db, email)
    accepted = client.post(
        f"{API}/invites/{token}/accept",
        json={"password": "a long enough passphrase", "display_name": email.split("@")[0]},
    )
    assert accepted.status_code == 201, accepted.json
    return {"Authorization": f"Bearer {accepted.json['access_token']}"}


def key_headers(client: Any, headers: dict, scopes: list[str], **extra: Any) -> tuple[dict, dict]:
    """Make an API key with these scopes; its bearer headers and the creation answer."""
    made = client.post(
        f"{API}/api-keys", json={"name": "ERP", "scopes": scopes, **extra}, headers=headers
    )
    assert made.status_code == 201, made.json
    return {"Authorization": f"Bearer {made.json['key']}"}, made.json


def audit_actions(client: Any, headers: dict, **query: Any) -> list[dict]:
    """Every line of the organisation's audit log, oldest first."""
    items: list[dict] = []
    cursor = None
    while True:
        params = {**query, "limit": 50} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{API}/organisation/audit-log", query_string=params, headers=headers)
        assert page.status_code == 200, page.json
        items.extend(page.json["items"])
        cursor = page.json["next_cursor"]
        if not cursor:
            return list(reversed(items))
