"""GET /me/earnings: a worker's balance and own ledger lines, newest first, a page at a time."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from backend.ledger import queries
from backend.ledger.schemas import EarningsOut
from tests.support.factories import UserFactory
from tests.support.ledger import NOW, REWARD, make_world

PROBLEM = "application/problem+json"


@pytest.fixture
def world(db, make):
    return make_world(db, make)


def earnings(client, headers, **query):
    response = client.get("/api/v1/me/earnings", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def test_a_new_worker_has_nothing_yet(client, make, auth_headers):
    body = earnings(client, auth_headers(make(UserFactory)))
    assert body == {
        "balance": {"amount_minor": 0, "currency": "EUR"},
        "items": [],
        "next_cursor": None,
    }


def test_credits_and_payouts_are_listed_newest_first(client, world, auth_headers):
    first = world.approve(at=NOW + timedelta(minutes=1))
    second = world.approve(at=NOW + timedelta(minutes=2))
    world.request_payout(500)  # posted at NOW, so it is the oldest line
    body = earnings(client, auth_headers(world.worker))
    assert body["balance"] == {"amount_minor": 2 * REWARD - 500, "currency": "EUR"}
    lines = body["items"]
    assert [(line["kind"], line["submission_id"]) for line in lines[:2]] == [
        ("submission_credit", second),
        ("submission_credit", first),
    ]
    assert lines[2]["kind"] == "payout_request"
    assert lines[2]["amount"] == {"amount_minor": -500, "currency": "EUR"}
    assert lines[2]["submission_id"] is None
    assert lines[0]["amount"] == {"amount_minor": REWARD, "currency": "EUR"}
    assert set(lines[0]) == {
        "id",
        "transaction_id",
        "kind",
        "amount",
        "created_at",
        "submission_id",
        "memo",
    }
    assert lines[0]["created_at"].startswith("2026-11-24T09:02:00")
    assert sum(line["amount"]["amount_minor"] for line in lines) == body["balance"]["amount_minor"]


def test_pages_follow_each_other_without_gaps_or_repeats(client, world, auth_headers):
    for minute in range(5):
        world.approve(at=NOW + timedelta(minutes=minute % 2))  # ties on created_at too
    headers = auth_headers(world.worker)
    seen, cursor = [], None
    while True:
        body = earnings(client, headers, limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(body["items"]) <= 2
        seen += [line["id"] for line in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    everything = [line["id"] for line in earnings(client, headers, limit=50)["items"]]
    assert seen == everything
    assert len(set(seen)) == 5


def test_a_worker_sees_only_their_own_lines(client, make, world, auth_headers):
    other = make(UserFactory)
    world.approve(other)
    mine = earnings(client, auth_headers(world.worker))
    assert mine["items"] == []
    assert mine["balance"]["amount_minor"] == 0
    assert len(earnings(client, auth_headers(other))["items"]) == 1


def test_brands_and_admins_are_refused(client, make, auth_headers):
    for user in (make(UserFactory, brand_user=True), make(UserFactory, admin=True)):
        response = client.get("/api/v1/me/earnings", headers=auth_headers(user))
        assert response.status_code == 403
        assert response.content_type == PROBLEM
    assert client.get("/api/v1/me/earnings").status_code == 401


def test_a_forged_cursor_is_a_422_naming_it(client, make, auth_headers):
    response = client.get(
        "/api/v1/me/earnings?cursor=not-ours", headers=auth_headers(make(UserFactory))
    )
    assert response.status_code == 422
    assert "cursor" in response.json["errors"]


def test_the_answer_is_what_its_schema_would_write(client, db, world, auth_headers):
    # The view sends earnings() as JSON without marshmallow: the two must stay equal.
    for minute in range(3):
        world.approve(at=NOW + timedelta(minutes=minute))
    world.request_payout(500)
    body = earnings(client, auth_headers(world.worker), limit=2)
    with db.transaction(write=False) as session:
        found = queries.earnings(
            db_session=session, worker_id=world.worker.id, limit=2, cursor=None
        )
    assert body == json.loads(json.dumps(EarningsOut().dump(found)))
    assert body["next_cursor"] is not None
    assert len(body["items"]) == 2
