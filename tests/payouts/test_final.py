"""A worker leaving with less than the minimum takes every cent: a final payout request."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from threading import Thread

import pytest
from sqlalchemy import select

from backend.accounts.models import User
from backend.kernel.clock import utcnow
from backend.ledger import service as ledger
from backend.ledger.rules import IN_TRANSIT
from backend.missions.models import Mission
from backend.payouts import service
from backend.payouts.models import PayoutRequest
from backend.privacy import service as privacy
from backend.reconciliation.ledger import check_ledger
from backend.storage import LocalPhotoStore
from tests.support.factories import BrandFactory
from tests.support.payouts import BATCHES, IBANS, PAYOUTS, at_once, payout_body, worker_account
from tests.support.photos import with_gps
from tests.support.submitting import SKUS, Claimed, honest_payload, submit, validate_now
from tests.support.world import build

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
HOLDER = "Zoë Müller"


STORE = (50.8467, 4.3525)
HERE = (50.84683, 4.35297)  # about 35 m from the store


def _earn(app, client, db, make, worker, reward: int) -> None:
    """The worker claims, does and is approved for a mission paying `reward`, from a funded
    campaign: the credit the ledger check expects, not a bare posting."""
    brand = make(BrandFactory)
    campaign_id, (mission_id,) = build(db, brand.id, [STORE], skus=SKUS, reward=reward)
    with db.transaction() as session:
        ledger.fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=reward,
            currency="EUR",
            now=utcnow(),
        )
    claimed = client.post(f"/api/v1/missions/{mission_id}/claim", headers=worker.headers)
    assert claimed.status_code == 201, claimed.json
    job = Claimed(claimed.json["assignment_id"], mission_id, worker.user, worker.headers, "", None)
    payload = honest_payload(latitude=HERE[0], longitude=HERE[1])
    sent = submit(client, job, [with_gps(*HERE, seed=45)], payload)
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])
    shown = client.get(f"/api/v1/submissions/{sent.json['submission_id']}", headers=worker.headers)
    assert shown.json["status"] == "approved", shown.json


def _final(client, worker, **extra):
    return client.post(PAYOUTS, json=payout_body(final=True, **extra), headers=worker.headers)


def _stored(db, request_id) -> PayoutRequest:
    with db.transaction(write=False) as session:
        return session.get_one(PayoutRequest, request_id)


def test_leaving_with_4_50_is_paid_and_erased(app, client, db, make, person, balance):
    worker, admin = person(), person("admin")
    _earn(app, client, db, make, worker, 450)  # under the 10.00 EUR minimum
    assert balance(worker_account(worker)) == 450
    assert client.post(PAYOUTS, json=payout_body(), headers=worker.headers).status_code == 422

    made = _final(client, worker, bic="cobadeffxxx")
    assert made.status_code == 201, made.json
    assert made.json["amount"] == {"amount_minor": 450, "currency": "EUR"}
    assert made.json["final"] is True
    assert balance(worker_account(worker)) == 0

    erased = client.delete("/api/v1/me", headers=worker.headers)
    assert erased.status_code == 200, erased.json  # at once: the request is not paid yet
    assert erased.json["payout_requests_kept"] == 1
    assert client.get("/api/v1/me", headers=worker.headers).status_code == 401
    kept = _stored(db, made.json["id"])
    assert (kept.iban, kept.holder_name, kept.bic) == (IBANS[0], HOLDER, "COBADEFFXXX")

    batch = client.post(BATCHES, headers=admin.headers).json
    assert batch["total"] == {"amount_minor": 450, "currency": "EUR"}
    export = client.get(f"{BATCHES}/{batch['id']}/sepa.xml", headers=admin.headers)
    assert export.status_code == 200, export.json  # no payee_erased before it is paid
    root = ET.fromstring(export.data)  # noqa: S314 (our own output)
    (transfer,) = root.iterfind(".//p:CdtTrfTxInf", NS)
    assert transfer.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) == IBANS[0]
    assert transfer.findtext("p:Cdtr/p:Nm", namespaces=NS) == "Zoe Muller"
    assert Decimal(transfer.findtext("p:Amt/p:InstdAmt", namespaces=NS)) == Decimal("4.50")

    paid = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin.headers)
    assert paid.status_code == 200, paid.json
    gone = _stored(db, made.json["id"])
    assert (gone.iban, gone.holder_name, gone.bic) == ("ERASED", "ERASED", None)
    assert (gone.status, gone.amount_minor, gone.final) == ("paid", 450, True)
    assert balance(IN_TRANSIT) == 0
    with db.transaction(write=False) as session:
        assert check_ledger(db_session=session) == []
    again = client.get(f"{BATCHES}/{batch['id']}/sepa.xml", headers=admin.headers)
    assert again.status_code == 410
    assert again.json["code"] == "payee_erased"


def test_a_final_request_needs_a_balance(client, person, balance):
    worker = person()
    refused = _final(client, worker)
    assert refused.status_code == 422
    assert refused.json["code"] == "balance_empty"
    assert refused.json["balance"] == {"amount_minor": 0, "currency": "EUR"}
    # Nothing was asked, so nothing is closing: the worker may still claim and ask later.
    assert client.get(PAYOUTS, headers=worker.headers).json["items"] == []


def test_without_final_the_minimum_still_holds(client, person, credit, balance):
    worker = person()
    credit(worker.id, 450)
    refused = client.post(PAYOUTS, json=payout_body(final=False), headers=worker.headers)
    assert refused.status_code == 422
    assert refused.json["code"] == "balance_below_minimum"
    assert balance(worker_account(worker)) == 450


def test_claims_after_a_final_request_answer_account_closing(client, db, make, person, credit):
    worker = person()
    brand = make(BrandFactory)
    _campaign, missions = build(db, brand.id, [(50.8467, 4.3525), (50.8468, 4.3526)])
    first = client.post(f"/api/v1/missions/{missions[0]}/claim", headers=worker.headers)
    assert first.status_code == 201, first.json
    credit(worker.id, 450)
    assert _final(client, worker).status_code == 201

    refused = client.post(f"/api/v1/missions/{missions[1]}/claim", headers=worker.headers)
    assert refused.status_code == 409
    assert refused.json["code"] == "account_closing"
    with db.transaction(write=False) as session:
        assert session.get_one(Mission, missions[1]).status == "open"


def test_after_a_final_request_only_final_requests_take_what_is_left(
    client, person, credit, balance
):
    worker = person()
    credit(worker.id, 450)
    assert _final(client, worker).status_code == 201
    credit(worker.id, 2000)  # a decision that came in after the request

    blocked = client.delete("/api/v1/me", headers=worker.headers)
    assert blocked.status_code == 409
    assert blocked.json["code"] == "balance_outstanding"
    plain = client.post(PAYOUTS, json=payout_body(), headers=worker.headers)
    assert plain.status_code == 409
    assert plain.json["code"] == "account_closing"
    assert balance(worker_account(worker)) == 2000

    rest = _final(client, worker)
    assert rest.status_code == 201, rest.json
    assert rest.json["amount"] == {"amount_minor": 2000, "currency": "EUR"}
    assert client.delete("/api/v1/me", headers=worker.headers).status_code == 200


def test_a_plain_request_still_unpaid_blocks_erasure(client, person, credit):
    worker = person()
    credit(worker.id, 1200)
    assert client.post(PAYOUTS, json=payout_body(), headers=worker.headers).status_code == 201
    credit(worker.id, 300)
    assert _final(client, worker).status_code == 201
    blocked = client.delete("/api/v1/me", headers=worker.headers)
    assert blocked.status_code == 409
    assert blocked.json["code"] == "balance_outstanding"
    assert blocked.json["unpaid_payout_requests"] == 1  # the plain one; the final does not count


def test_the_bank_details_of_a_worker_still_here_stay_once_paid(client, db, person, credit):
    worker, admin = person(), person("admin")
    credit(worker.id, 450)
    made = _final(client, worker).json
    batch = client.post(BATCHES, headers=admin.headers).json
    paid = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin.headers)
    assert paid.status_code == 200, paid.json
    # Not erased (yet): their data is theirs to see and to erase.
    assert _stored(db, made["id"]).iban == IBANS[0]
    assert client.delete("/api/v1/me", headers=worker.headers).status_code == 200
    assert _stored(db, made["id"]).iban == "ERASED"


def test_the_api_documents_final_and_account_closing(client):
    spec = client.get("/openapi.json").json
    body = spec["components"]["schemas"]["PayoutRequestIn"]["properties"]
    assert body["final"]["type"] == "boolean"
    operation = spec["paths"]["/api/v1/me/payout-requests"]["post"]
    assert "account_closing" in operation["description"]
    assert "balance_empty" in operation["description"]
    claim = spec["paths"]["/api/v1/missions/{mission_id}/claim"]["post"]
    assert "account_closing" in claim["description"]


def test_a_batched_final_request_does_not_hold_the_erasure_up(client, db, person, credit):
    worker, admin = person(), person("admin")
    credit(worker.id, 450)
    made = _final(client, worker).json
    batch = client.post(BATCHES, headers=admin.headers).json
    erased = client.delete("/api/v1/me", headers=worker.headers)
    assert erased.status_code == 200, erased.json
    assert erased.json["payout_requests_kept"] == 1
    export = client.get(f"{BATCHES}/{batch['id']}/sepa.xml", headers=admin.headers)
    assert export.status_code == 200, export.json
    assert IBANS[0] in export.get_data(as_text=True)
    paid = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin.headers)
    assert paid.status_code == 200, paid.json
    (shown,) = paid.json["requests"]
    assert (shown["holder_name"], shown["final"], shown["status"]) == ("ERASED", True, "paid")
    assert _stored(db, made["id"]).iban == "ERASED"


def test_an_erasure_waiting_on_mark_paid_still_erases_the_bank_details(
    app, client, db, person, credit, backend_name
):
    if backend_name == "sqlite":
        pytest.skip("SQLite runs writers one at a time: the erasure cannot overlap")
    admin, worker = person("admin"), person()
    credit(worker.id, 450)
    made = _final(client, worker).json
    batch = client.post(BATCHES, headers=admin.headers).json
    failed: list[BaseException] = []

    def erase() -> None:
        try:
            # The erasure log is written where the app's settings say.
            with app.app_context(), db.transaction() as session:
                privacy.erase_account(
                    db_session=session,
                    user=session.get_one(User, worker.id),
                    store=LocalPhotoStore(app.config["PHOTO_DIR"]),
                    now=utcnow(),
                )
        except BaseException as exc:  # reported below, in the test's thread
            failed.append(exc)

    erasing = Thread(target=erase)
    with db.transaction() as session:
        service.mark_batch_paid(
            db_session=session, batch_id=batch["id"], admin_id=admin.id, now=utcnow()
        )
        # The erasure starts while the batch is paid but not committed: it reads the request
        # as still batched and leaves it, and mark-paid has not seen the worker erased.
        erasing.start()
        erasing.join(timeout=1.0)
    erasing.join()
    assert failed == []
    stored = _stored(db, made["id"])
    assert (stored.iban, stored.holder_name, stored.status) == ("ERASED", "ERASED", "paid")


def test_erasing_while_the_batch_is_marked_paid_leaves_no_bank_details(
    app, client, db, person, credit
):
    admin, workers = person("admin"), [person() for _ in range(6)]
    for worker in workers:
        credit(worker.id, 450)
        assert _final(client, worker).status_code == 201
    batch = client.post(BATCHES, headers=admin.headers).json
    calls = [("DELETE", "/api/v1/me", {"headers": worker.headers}) for worker in workers]
    calls.append(("POST", f"{BATCHES}/{batch['id']}/mark-paid", {"headers": admin.headers}))
    responses = at_once(app, calls)
    assert [r.status_code for r in responses] == [200] * 7, [r.json for r in responses]
    with db.transaction(write=False) as session:
        kept = session.scalars(select(PayoutRequest.iban)).all()
    assert kept == ["ERASED"] * 6  # whichever finished first, none outlives both
