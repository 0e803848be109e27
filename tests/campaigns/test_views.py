"""Campaigns through HTTP: create with missions, publish, cancel, list, scoping, roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.ledger import service as ledger
from backend.missions.models import Mission
from tests.support.campaigns import campaign_body
from tests.support.factories import StoreFactory, UserFactory

NOW = datetime.now(UTC)


@pytest.fixture
def brand(make, auth_headers):
    user = make(UserFactory, brand_user=True)
    stores = [make(StoreFactory, brand_id=user.brand_id) for _ in range(3)]
    return user, auth_headers(user), [s.id for s in stores]


def statuses(db, campaign_id):
    with db.transaction(write=False) as session:
        return sorted(
            session.scalars(select(Mission.status).where(Mission.campaign_id == campaign_id))
        )


def test_create_publish_cancel(client, db, brand):
    _user, headers, store_ids = brand
    created = client.post("/api/v1/campaigns", json=campaign_body(store_ids), headers=headers)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["status"] == "draft"
    assert body["reward"] == {"amount_minor": 600, "currency": "EUR"}
    assert body["missions"] == {"draft": 3}
    assert [p["sku"] for p in body["products"]] == ["A-1", "B-2"]
    assert body["review_required"] is False

    published = client.post(f"/api/v1/campaigns/{body['id']}/publish", headers=headers)
    assert published.status_code == 200
    assert published.json["status"] == "published"
    assert published.json["missions"] == {"open": 3}
    with db.transaction(write=False) as session:  # the budget for 3 rewards came in
        budget = ledger.balance(
            db_session=session, account=f"campaign:{body['id']}", currency="EUR"
        )
    assert budget == 3 * 600
    again = client.post(f"/api/v1/campaigns/{body['id']}/publish", headers=headers)
    assert again.status_code == 409
    assert again.json["code"] == "campaign_not_draft"

    with db.transaction() as session:  # a worker has claimed one: it must be honoured
        mission = session.scalars(select(Mission).where(Mission.campaign_id == body["id"])).first()
        mission.status = "claimed"
    cancelled = client.post(f"/api/v1/campaigns/{body['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled"
    assert statuses(db, body["id"]) == ["cancelled", "cancelled", "claimed"]


def test_validation_names_fields_and_writes_nothing(client, db, brand):
    _user, headers, store_ids = brand
    cases = [
        ({"reward": {"amount_minor": 6.5, "currency": "EUR"}}, "reward.amount_minor"),
        ({"reward": {"amount_minor": 600, "currency": "USD"}}, "reward.currency"),
        ({"ends_at": (NOW - timedelta(days=1)).isoformat()}, "ends_at"),
        ({"starts_at": "2026-01-01T00:00:00"}, "starts_at"),  # no offset
        ({"products": []}, "products"),
        ({"products": [{"sku": "A", "name": "x"}, {"sku": "A", "name": "y"}]}, "products"),
        ({"store_ids": ["nope"]}, "store_ids"),
        ({"est_minutes": 0}, "est_minutes"),
        ({"status": "published"}, "status"),
    ]
    for override, field in cases:
        response = client.post(
            "/api/v1/campaigns", json=campaign_body(store_ids, **override), headers=headers
        )
        assert response.status_code == 422, (override, response.json)
        assert field in response.json["errors"], (override, response.json["errors"])
    assert client.get("/api/v1/campaigns", headers=headers).json["items"] == []


def test_brands_see_only_their_own(client, make, auth_headers, brand):
    _user, headers, store_ids = brand
    other = make(UserFactory, brand_user=True)
    other_headers = auth_headers(other)
    other_store = make(StoreFactory, brand_id=other.brand_id)
    created = client.post("/api/v1/campaigns", json=campaign_body(store_ids), headers=headers)
    cid = created.json["id"]
    for method, path in [
        ("get", f"/api/v1/campaigns/{cid}"),
        ("post", f"/api/v1/campaigns/{cid}/publish"),
        ("post", f"/api/v1/campaigns/{cid}/cancel"),
    ]:
        response = getattr(client, method)(path, headers=other_headers)
        assert response.status_code == 404, path
    assert client.get("/api/v1/campaigns", headers=other_headers).json["items"] == []
    # Another brand's store cannot be targeted either.
    response = client.post(
        "/api/v1/campaigns", json=campaign_body([other_store.id]), headers=headers
    )
    assert response.status_code == 422
    assert "store_ids" in response.json["errors"]


def test_workers_cannot_create_or_read_campaigns(client, make, auth_headers, brand):
    _user, _headers, store_ids = brand
    worker = auth_headers(make(UserFactory))
    assert (
        client.post("/api/v1/campaigns", json=campaign_body(store_ids), headers=worker).status_code
        == 403
    )
    assert client.get("/api/v1/campaigns", headers=worker).status_code == 403


def test_admin_must_name_the_brand(client, make, auth_headers, brand):
    user, _headers, store_ids = brand
    admin = auth_headers(make(UserFactory, admin=True))
    response = client.post("/api/v1/campaigns", json=campaign_body(store_ids), headers=admin)
    assert response.status_code == 422
    assert "brand_id" in response.json["errors"]
    response = client.post(
        "/api/v1/campaigns", json=campaign_body(store_ids, brand_id=user.brand_id), headers=admin
    )
    assert response.status_code == 201


def test_list_pages_with_a_cursor(client, brand):
    _user, headers, store_ids = brand
    ids = [
        client.post(
            "/api/v1/campaigns", json=campaign_body(store_ids, name=f"C{i}"), headers=headers
        ).json["id"]
        for i in range(5)
    ]
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get("/api/v1/campaigns", query_string=query, headers=headers)
        assert response.status_code == 200
        seen += [c["id"] for c in response.json["items"]]
        cursor = response.json["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 5
    bad = client.get("/api/v1/campaigns", query_string={"cursor": "garbage!"}, headers=headers)
    assert bad.status_code == 422
    assert "cursor" in bad.json["errors"]


def test_a_campaign_may_ask_for_a_person_to_review_every_submission(client, brand):
    _user, headers, store_ids = brand
    body = campaign_body(store_ids, review_required=True)
    created = client.post("/api/v1/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["review_required"] is True


def test_a_campaign_cannot_ask_for_more_photos_than_a_submission_may_carry(client, brand):
    _user, headers, store_ids = brand
    created = client.post(
        "/api/v1/campaigns", json=campaign_body(store_ids, photos_required=11), headers=headers
    )
    assert created.status_code == 422
    assert created.json["errors"]["photos_required"] == ["Must be between 0 and 10."]
