"""An organisation's top-up: paid in once however often it is retried (Idempotency-Key),
written to the audit log, owners only, bad amounts refused naming the field. Both backends."""

from __future__ import annotations

from tests.organisations.helpers import API, audit_actions
from tests.support.factories import UserFactory


def top_up(client, headers, amount_minor, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"{API}/organisation/balance/top-ups",
        json={"amount": {"amount_minor": amount_minor, "currency": "EUR"}},
        headers=headers | extra,
    )


def test_a_retried_top_up_is_paid_in_once_and_the_audit_log_says_it(client, make, auth_headers):
    owner = make(UserFactory, brand_user=True)
    headers = auth_headers(owner)
    first = top_up(client, headers, 25_000, key="top-up-1")
    assert first.status_code == 201, first.json
    again = top_up(client, headers, 25_000, key="top-up-1")  # the answer lost, sent again
    assert again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json == first.json
    other = top_up(client, headers, 9_999, key="top-up-1")  # another body, the same key
    assert other.status_code == 422
    balance = client.get(f"{API}/organisation/balance", headers=headers).json["balance"]
    assert balance == first.json["balance"]
    assert balance["amount_minor"] == 25_000

    log = [line for line in audit_actions(client, headers) if line["action"] == "balance.topped_up"]
    assert len(log) == 1
    assert log[0]["actor_id"] == owner.id
    assert log[0]["target_type"] == "ledger_transaction"
    assert log[0]["detail"] == {"amount": {"amount_minor": 25_000, "currency": "EUR"}}


def test_only_an_owner_tops_up_and_a_bad_amount_is_named(client, make, auth_headers):
    owner = make(UserFactory, brand_user=True)
    manager = make(UserFactory, role="brand", brand=owner.brand, org_role="manager")
    refused = top_up(client, auth_headers(manager), 1_000)
    assert refused.status_code == 403
    assert refused.json["code"] == "insufficient_role"
    bad = top_up(client, auth_headers(owner), 0)
    assert bad.status_code == 422
    assert "amount.amount_minor" in bad.json["errors"]
    balance = client.get(f"{API}/organisation/balance", headers=auth_headers(owner)).json
    assert balance["balance"]["amount_minor"] == 0
    assert audit_actions(client, auth_headers(owner)) == []
