"""Subscriptions over the API: made with a secret shown once, listed, deleted; unsafe URLs
refused at creation; scoped to the organisation."""

from __future__ import annotations

import pytest

from tests.support.factories import BrandFactory, UserFactory

EVENTS = ["submission.approved", "campaign.completed"]


def subscribe(client, headers, url="https://hooks.example.org/in", events=EVENTS):
    return client.post("/api/v1/webhooks", json={"url": url, "events": events}, headers=headers)


def test_a_subscription_is_made_listed_without_its_secret_and_deleted(client, make, auth_headers):
    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory, role="brand", brand=brand))
    created = subscribe(client, headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["events"], body["disabled"]) == (
        "https://hooks.example.org/in",
        EVENTS,
        False,
    )
    listed = client.get("/api/v1/webhooks", headers=headers)
    assert listed.status_code == 200
    (item,) = listed.json["items"]
    assert item["id"] == body["id"]
    assert "secret" not in item
    assert listed.json["next_cursor"] is None

    # Another organisation sees nothing of it, and cannot delete it.
    stranger = auth_headers(make(UserFactory, brand_user=True))
    assert client.get("/api/v1/webhooks", headers=stranger).json["items"] == []
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=stranger).status_code == 404
    log = client.get(f"/api/v1/webhooks/{body['id']}/deliveries", headers=stranger)
    assert log.status_code == 404

    deleted = client.delete(f"/api/v1/webhooks/{body['id']}", headers=headers)
    assert deleted.status_code == 204
    assert client.get("/api/v1/webhooks", headers=headers).json["items"] == []
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=headers).status_code == 404

    # The owner reads both acts in the organisation's audit log, newest first.
    log = client.get("/api/v1/organisation/audit-log", headers=headers).json["items"]
    acts = [(i["action"], i["target_type"], i["target_id"]) for i in log]
    assert acts[:2] == [
        ("webhook.deleted", "webhook", body["id"]),
        ("webhook.created", "webhook", body["id"]),
    ]
    assert log[1]["detail"] == {"url": "https://hooks.example.org/in", "events": EVENTS}


@pytest.mark.parametrize("host", ["10.0.0.1", "169.254.169.254", "127.0.0.1", "[::1]"])
def test_an_unsafe_literal_host_is_refused_at_creation(client, make, auth_headers, host):
    headers = auth_headers(make(UserFactory, brand_user=True))
    refused = subscribe(client, headers, url=f"https://{host}/in")
    assert refused.status_code == 422
    assert refused.json["code"] == "unsafe_url"
    assert "url" in refused.json["errors"]
    assert client.get("/api/v1/webhooks", headers=headers).json["items"] == []


def test_plain_http_is_refused_without_the_test_allowance(client, make, auth_headers):
    headers = auth_headers(make(UserFactory, brand_user=True))
    refused = subscribe(client, headers, url="http://hooks.example.org/in")
    assert (refused.status_code, refused.json["code"]) == (422, "unsafe_url")


@pytest.mark.parametrize("events", [[], ["submission.rejected"], "submission.approved"])
def test_events_must_be_among_those_sent(client, make, auth_headers, events):
    headers = auth_headers(make(UserFactory, brand_user=True))
    refused = subscribe(client, headers, events=events)
    assert refused.status_code == 422
    assert any(field.startswith("events") for field in refused.json["errors"])


def test_a_worker_cannot_subscribe_and_an_admin_names_the_brand(client, make, auth_headers):
    worker = auth_headers(make(UserFactory))
    assert subscribe(client, worker).status_code == 403
    admin = auth_headers(make(UserFactory, admin=True))
    assert subscribe(client, admin).status_code == 422  # which brand?
    brand = make(BrandFactory)
    made = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.org/in", "events": EVENTS, "brand_id": brand.id},
        headers=admin,
    )
    assert made.status_code == 201, made.json
    member = auth_headers(make(UserFactory, role="brand", brand=brand))
    assert [s["id"] for s in client.get("/api/v1/webhooks", headers=member).json["items"]] == [
        made.json["id"]
    ]
