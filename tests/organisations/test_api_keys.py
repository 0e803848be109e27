"""API keys through HTTP: shown once and stored hashed, bounded by their scopes and their
member's role, refused on every view that names no scope, revoked with their member, and
written to the audit log. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from backend.accounts import rules
from backend.accounts.models import ApiKey
from backend.kernel.clock import utcnow
from tests.organisations.helpers import API, audit_actions, key_headers, owner_with_stores
from tests.support.campaigns import campaign_body
from tests.support.factories import UserFactory


def test_a_results_read_key_reads_results_and_cannot_create_a_campaign(
    client, db, make, auth_headers
):
    owner, owner_h, store_ids = owner_with_stores(make, auth_headers)
    campaign_id = client.post(
        f"{API}/campaigns", json=campaign_body(store_ids), headers=owner_h
    ).json["id"]
    key_h, made = key_headers(client, owner_h, ["results:read"])
    assert made["key"].startswith(made["prefix"] + "_")
    assert len(made["prefix"]) == len("ffk_") + 8
    assert made["scopes"] == ["results:read"]
    with db.transaction(write=False) as session:
        stored = session.scalar(select(ApiKey).where(ApiKey.id == made["id"]))
        assert stored.key_hash == rules.token_digest(made["key"])
        assert made["key"] not in {stored.key_hash, stored.prefix}
        assert stored.last_used_at is None

    for fmt in ("json", "csv", "geojson"):
        read = client.get(f"{API}/campaigns/{campaign_id}/results?format={fmt}", headers=key_h)
        assert read.status_code == 200, (fmt, read.data[:200])
    refused = client.post(f"{API}/campaigns", json=campaign_body(store_ids), headers=key_h)
    assert refused.status_code == 403
    assert refused.json["code"] == "insufficient_scope"
    assert client.get(f"{API}/campaigns", headers=key_h).json["code"] == "insufficient_scope"
    # Fail closed: a view that names no scope (the account's own pages, the team, the keys)
    # refuses every key.
    for path in ("/me", "/organisation", "/api-keys", "/organisation/audit-log"):
        answer = client.get(f"{API}{path}", headers=key_h)
        assert answer.status_code == 403, path
        assert answer.json["code"] == "insufficient_scope", path
    assert (
        client.post(
            f"{API}/api-keys", json={"name": "x", "scopes": ["results:read"]}, headers=key_h
        ).status_code
        == 403
    )
    with db.transaction(write=False) as session:
        first_use = session.get(ApiKey, made["id"]).last_used_at
    assert first_use is not None
    # Written at most once a minute: a use within the minute leaves it; one after, moves it.
    assert client.get(f"{API}/campaigns/{campaign_id}/results", headers=key_h).status_code == 200
    with db.transaction() as session:
        assert session.get(ApiKey, made["id"]).last_used_at == first_use
        session.execute(
            update(ApiKey).values(last_used_at=first_use - timedelta(minutes=1, seconds=1))
        )
    assert client.get(f"{API}/campaigns/{campaign_id}/results", headers=key_h).status_code == 200
    with db.transaction(write=False) as session:
        assert session.get(ApiKey, made["id"]).last_used_at > first_use

    listed = client.get(f"{API}/api-keys", headers=owner_h)
    assert listed.status_code == 200
    (shown,) = listed.json["items"]
    assert shown["prefix"] == made["prefix"]
    assert "key" not in shown
    assert made["key"] not in listed.get_data(as_text=True)

    assert client.delete(f"{API}/api-keys/{made['id']}", headers=owner_h).status_code == 204
    assert client.get(f"{API}/campaigns/{campaign_id}/results", headers=key_h).status_code == 401
    assert client.get(f"{API}/api-keys", headers=owner_h).json["items"] == []
    assert client.delete(f"{API}/api-keys/{made['id']}", headers=owner_h).status_code == 404

    log = audit_actions(client, owner_h)
    assert [line["action"] for line in log] == [
        "campaign.created",
        "api_key.created",
        *["results.exported"] * 5,
        "api_key.revoked",
    ]
    exports = [line for line in log if line["action"] == "results.exported"]
    assert [line["detail"] for line in exports] == [
        {"format": fmt, "api_key": made["prefix"]}
        for fmt in ("json", "csv", "geojson", "json", "json")
    ]
    assert {line["actor_id"] for line in exports} == {owner.id}
    assert log[1]["detail"] == {"name": "ERP", "prefix": made["prefix"], "scopes": ["results:read"]}


def test_a_key_is_bounded_by_its_members_role_and_dies_with_the_member(client, make, auth_headers):
    owner, owner_h, store_ids = owner_with_stores(make, auth_headers)
    manager = make(UserFactory, role="brand", brand=owner.brand, org_role="manager")
    manager_h = auth_headers(manager)
    key_h, _made = key_headers(client, manager_h, ["campaigns:write", "campaigns:read"])
    body = campaign_body(store_ids)
    assert client.post(f"{API}/campaigns", json=body, headers=key_h).status_code == 201

    demoted = client.patch(
        f"{API}/organisation/members/{manager.id}", json={"role": "viewer"}, headers=owner_h
    )
    assert demoted.status_code == 200
    refused = client.post(f"{API}/campaigns", json=body, headers=key_h)
    assert refused.status_code == 403
    assert refused.json["code"] == "insufficient_role"
    assert client.get(f"{API}/campaigns", headers=key_h).status_code == 200
    # A viewer makes no keys.
    made = client.post(
        f"{API}/api-keys", json={"name": "x", "scopes": ["stores:read"]}, headers=manager_h
    )
    assert made.status_code == 403
    assert made.json["code"] == "insufficient_role"

    removed = client.delete(f"{API}/organisation/members/{manager.id}", headers=owner_h)
    assert removed.status_code == 204
    assert client.get(f"{API}/campaigns", headers=key_h).status_code == 401  # at once
    assert client.get(f"{API}/campaigns", headers=manager_h).status_code == 401


def test_expired_keys_and_bad_input(client, db, make, auth_headers):
    _owner, owner_h, _stores = owner_with_stores(make, auth_headers, stores=0)
    soon = (utcnow() + timedelta(hours=1)).isoformat()
    key_h, made = key_headers(client, owner_h, ["stores:read"], expires_at=soon)
    assert made["expires_at"] is not None
    assert client.get(f"{API}/stores", headers=key_h).status_code == 200
    with db.transaction() as session:
        session.execute(update(ApiKey).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get(f"{API}/stores", headers=key_h).status_code == 401
    assert (
        client.get(f"{API}/stores", headers={"Authorization": "Bearer ffk_unknown_x"}).status_code
        == 401
    )

    for body, field in (
        ({"name": "x", "scopes": ["everything"]}, "scopes"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "", "scopes": ["stores:read"]}, "name"),
        (
            {"name": "x", "scopes": ["stores:read"], "expires_at": "2001-01-01T00:00:00Z"},
            "expires_at",
        ),
    ):
        answer = client.post(f"{API}/api-keys", json=body, headers=owner_h)
        assert answer.status_code == 422, body
        assert any(name.startswith(field) for name in answer.json["errors"]), answer.json


def test_a_member_looking_at_results_writes_no_export_and_a_download_writes_one(
    client, make, auth_headers
):
    owner, owner_h, store_ids = owner_with_stores(make, auth_headers)
    campaign_id = client.post(
        f"{API}/campaigns", json=campaign_body(store_ids), headers=owner_h
    ).json["id"]
    for _ in range(3):  # the console's campaign page, visited three times
        assert (
            client.get(f"{API}/campaigns/{campaign_id}/results", headers=owner_h).status_code == 200
        )
    for fmt in ("csv", "geojson"):
        read = client.get(f"{API}/campaigns/{campaign_id}/results?format={fmt}", headers=owner_h)
        assert read.status_code == 200
    exports = [
        line for line in audit_actions(client, owner_h) if line["action"] == "results.exported"
    ]
    assert [line["detail"] for line in exports] == [{"format": "csv"}, {"format": "geojson"}]
    assert {line["actor_id"] for line in exports} == {owner.id}
