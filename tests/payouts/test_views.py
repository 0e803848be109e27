"""Payout requests over HTTP: the whole balance into transit, once, to a checked IBAN."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from backend import create_app
from backend.config import BadSetting
from backend.kernel.clock import utcnow
from backend.ledger.models import LedgerTransaction
from backend.ledger.rules import IN_TRANSIT
from backend.payouts import queries
from backend.payouts.models import PayoutRequest
from backend.settings import override_settings
from tests.support.payouts import IBANS, PAYOUTS, at_once, payout_body, worker_account


def count_requests(db) -> int:
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(PayoutRequest))


def test_a_request_moves_the_whole_balance_into_transit(client, person, credit, balance):
    worker = person()
    credit(worker.id, 1250)
    credit(worker.id, 600)
    response = client.post(PAYOUTS, json=payout_body(bic="cobadeffxxx"), headers=worker.headers)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["amount"] == {"amount_minor": 1850, "currency": "EUR"}
    assert body["status"] == "pending"
    assert body["iban"] == "DE****************3000"
    assert body["bic"] == "COBADEFFXXX"
    assert body["holder_name"] == "Zoë Müller"
    assert body["requested_at"]
    assert balance(worker_account(worker)) == 0
    assert balance(IN_TRANSIT) == 1850
    listed = client.get(PAYOUTS, headers=worker.headers).json
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert listed["next_cursor"] is None


def test_below_the_minimum_is_refused_naming_what_is_needed(client, person, credit, balance):
    worker = person()
    credit(worker.id, 400)
    response = client.post(PAYOUTS, json=payout_body(), headers=worker.headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.json
    assert problem["code"] == "balance_below_minimum"
    assert problem["needed"] == {"amount_minor": 600, "currency": "EUR"}
    assert problem["minimum"] == {"amount_minor": 1000, "currency": "EUR"}
    assert "6.00 EUR" in problem["detail"]
    assert balance(worker_account(worker)) == 400
    assert balance(IN_TRANSIT) == 0


def test_an_empty_balance_is_refused_even_with_no_minimum(app, client, person, db):
    override_settings(app, PAYOUT_MIN="0.00 EUR")
    worker = person()
    response = client.post(PAYOUTS, json=payout_body(), headers=worker.headers)
    assert response.status_code == 422
    assert response.json["needed"] == {"amount_minor": 1, "currency": "EUR"}
    assert count_requests(db) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (payout_body(iban="DE88370400440532013000"), "iban"),  # checksum wrong
        (payout_body(iban="BR1800360305000010009795493C1"), "iban"),  # outside SEPA
        (payout_body(iban=""), "iban"),
        (payout_body(holder_name="   "), "holder_name"),
        (payout_body(holder_name="x" * 71), "holder_name"),
        (payout_body(holder_name="Jan\u0007Piet"), "holder_name"),
        (payout_body(bic="NOT A BIC"), "bic"),
        ({"iban": IBANS[0]}, "holder_name"),
    ],
)
def test_bad_bank_details_are_422_naming_the_field(client, person, credit, balance, body, field):
    worker = person()
    credit(worker.id, 5000)
    response = client.post(PAYOUTS, json=body, headers=worker.headers)
    assert response.status_code == 422
    assert response.json["code"] == "validation_error"
    assert list(response.json["errors"]) == [field]
    assert balance(worker_account(worker)) == 5000


def test_a_replay_with_the_same_key_gets_the_first_answer(client, person, credit, balance, db):
    worker = person()
    credit(worker.id, 2000)
    headers = {**worker.headers, "Idempotency-Key": "payout-1"}
    first = client.post(PAYOUTS, json=payout_body(), headers=headers)
    credit(worker.id, 3000)  # the replay must not pay out what came in since
    again = client.post(PAYOUTS, json=payout_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_requests(db) == 1
    assert balance(worker_account(worker)) == 3000
    other = client.post(PAYOUTS, json=payout_body(iban=IBANS[1]), headers=headers)
    assert other.status_code == 422
    assert other.json["code"] == "idempotency_conflict"


def test_concurrent_requests_never_spend_a_balance_twice(app, person, credit, balance, db):
    worker = person()
    credit(worker.id, 4200)
    calls = [
        ("POST", PAYOUTS, {"json": payout_body(), "headers": {**worker.headers}}) for _ in range(8)
    ]
    responses = at_once(app, calls)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * 7
    assert {r.json["code"] for r in responses if r.status_code == 422} == {"balance_below_minimum"}
    assert count_requests(db) == 1
    assert balance(worker_account(worker)) == 0
    assert balance(IN_TRANSIT) == 4200
    with db.transaction(write=False) as session:
        kinds = session.scalars(
            select(LedgerTransaction.kind).where(LedgerTransaction.kind == "payout_request")
        ).all()
    assert kinds == ["payout_request"]


def test_requests_are_seen_by_their_worker_and_admins_only(client, person, credit):
    owner, other, brand, admin = person(), person(), person("brand"), person("admin")
    credit(owner.id, 1500)
    made = client.post(PAYOUTS, json=payout_body(), headers=owner.headers).json
    one = f"/api/v1/payout-requests/{made['id']}"
    assert client.get(one, headers=owner.headers).status_code == 200
    assert client.get(one, headers=admin.headers).json["worker_id"] == owner.id
    for outsider in (other, brand):
        response = client.get(one, headers=outsider.headers)
        assert response.status_code == 404
        assert response.json["code"] == "not_found"
    assert client.get(PAYOUTS, headers=other.headers).json["items"] == []
    assert client.get(PAYOUTS, headers=brand.headers).status_code == 403
    assert client.get("/api/v1/payout-requests", headers=other.headers).status_code == 403
    assert client.post(PAYOUTS, json=payout_body(), headers=admin.headers).status_code == 403
    assert client.get(one).status_code == 401


def test_own_requests_are_listed_newest_first_a_page_at_a_time(client, person, credit):
    worker = person()
    made = []
    for amount in (1000, 1100, 1200):
        credit(worker.id, amount)
        made.append(client.post(PAYOUTS, json=payout_body(), headers=worker.headers).json["id"])
    first = client.get(f"{PAYOUTS}?limit=2", headers=worker.headers).json
    assert [item["id"] for item in first["items"]] == made[:0:-1]
    second = client.get(
        f"{PAYOUTS}?limit=2&cursor={first['next_cursor']}", headers=worker.headers
    ).json
    assert [item["id"] for item in second["items"]] == made[:1]
    assert second["next_cursor"] is None


def test_late_requests_are_reported(app, client, person, credit, db):
    admin, slow, fresh = person("admin"), person(), person()
    credit(slow.id, 1000)
    credit(fresh.id, 1000)
    slow_id = client.post(PAYOUTS, json=payout_body(), headers=slow.headers).json["id"]
    fresh_id = client.post(PAYOUTS, json=payout_body(), headers=fresh.headers).json["id"]
    with db.transaction() as session:
        session.execute(
            update(PayoutRequest)
            .where(PayoutRequest.id == slow_id)
            .values(requested_at=utcnow() - timedelta(days=8))
        )
    listing = "/api/v1/payout-requests"
    late = client.get(f"{listing}?late=true", headers=admin.headers).json["items"]
    assert [(item["id"], item["late"]) for item in late] == [(slow_id, True)]
    on_time = client.get(f"{listing}?late=false", headers=admin.headers).json["items"]
    assert [(item["id"], item["late"]) for item in on_time] == [(fresh_id, False)]
    every = client.get(f"{listing}?status=pending", headers=admin.headers).json["items"]
    assert {item["id"] for item in every} == {slow_id, fresh_id}
    assert client.get(f"{listing}?status=paid", headers=admin.headers).json["items"] == []
    assert client.get(f"{listing}?status=lost", headers=admin.headers).status_code == 422
    with db.transaction(write=False) as session:
        found = queries.late_requests(db_session=session, now=utcnow(), sla_days=7)
        assert [r.id for r in found] == [slow_id]
        later = queries.late_requests(
            db_session=session, now=utcnow() + timedelta(days=30), sla_days=7
        )
        assert [r.id for r in later] == [slow_id, fresh_id]


def test_a_malformed_payout_setting_stops_the_app_at_start(app_config):
    with pytest.raises(BadSetting, match="FAIRFIELD_PAYOUT_MIN"):
        create_app({**app_config, "PAYOUT_MIN": "ten euros"})
