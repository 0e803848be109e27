"""Payout batches: gathered once, exported as a valid pain.001, settled in the ledger once."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import sepaxml
import xmlschema
from sqlalchemy import select

from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.ledger.rules import BANK, IN_TRANSIT
from backend.payouts import rules
from backend.payouts.models import PayoutRequest
from backend.settings import override_settings
from tests.support.payouts import BATCHES, IBANS, PAYOUTS, at_once, payout_body

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
SCHEMA = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"


def requested(client, person, credit, amounts):
    """One worker per amount, each asking for their balance; returns the requests' bodies."""
    made = []
    for amount, iban in zip(amounts, IBANS * len(amounts), strict=False):
        worker = person()
        credit(worker.id, amount)
        response = client.post(PAYOUTS, json=payout_body(iban=iban), headers=worker.headers)
        assert response.status_code == 201, response.json
        made.append(response.json)
    return made


def settlements(db):
    with db.transaction(write=False) as session:
        return session.execute(
            select(LedgerTransaction.id, LedgerEntry.account, LedgerEntry.amount_minor)
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .where(LedgerTransaction.kind == "payout_settled")
        ).all()


def test_a_batch_gathers_the_pending_requests(client, person, credit, balance):
    admin = person("admin")
    made = requested(client, person, credit, [1000, 2550, 1234])
    response = client.post(BATCHES, headers=admin.headers)
    assert response.status_code == 201, response.json
    batch = response.json
    assert batch["total"] == {"amount_minor": 4784, "currency": "EUR"}
    assert batch["count"] == 3
    assert batch["status"] == "open"
    assert batch["message_id"] == rules.message_id(batch["id"])
    assert balance(IN_TRANSIT) == 4784

    detail = client.get(f"{BATCHES}/{batch['id']}", headers=admin.headers).json
    assert [r["id"] for r in detail["requests"]] == [r["id"] for r in made]
    assert {r["status"] for r in detail["requests"]} == {"batched"}
    assert {r["batch_id"] for r in detail["requests"]} == {batch["id"]}


def test_the_sepa_file_matches_the_ledger_and_never_changes(client, person, credit, balance):
    admin = person("admin")
    made = requested(client, person, credit, [1000, 2550, 1234])
    batch = client.post(BATCHES, headers=admin.headers).json
    export = client.get(f"{BATCHES}/{batch['id']}/sepa.xml", headers=admin.headers)
    assert export.status_code == 200
    assert export.mimetype == "application/xml"
    assert export.headers["Content-Disposition"] == (
        f'attachment; filename="{batch["message_id"]}.xml"'
    )
    xmlschema.XMLSchema(str(SCHEMA)).validate(export.get_data(as_text=True))
    root = ET.fromstring(export.data)  # noqa: S314 (our own output, not untrusted input)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == batch["message_id"]
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert Decimal(header.findtext("p:CtrlSum", namespaces=NS)) * 100 == balance(IN_TRANSIT)
    transfers = [
        (
            tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            tx.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
            int(Decimal(tx.findtext("p:Amt/p:InstdAmt", namespaces=NS)) * 100),
            tx.find("p:Amt/p:InstdAmt", NS).get("Ccy"),
        )
        for tx in root.iterfind(".//p:CdtTrfTxInf", NS)
    ]
    assert transfers == [
        (rules.end_to_end_id(r["id"]), iban, r["amount"]["amount_minor"], "EUR")
        for r, iban in zip(made, IBANS, strict=True)
    ]
    again = client.get(f"{BATCHES}/{batch['id']}/sepa.xml", headers=admin.headers)
    assert again.data == export.data


def test_mark_paid_settles_the_batch_total_once(client, person, credit, balance, db):
    admin = person("admin")
    made = requested(client, person, credit, [1500, 2500])
    batch = client.post(BATCHES, headers=admin.headers).json
    assert balance(BANK) == -4000  # what brands paid in
    response = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin.headers)
    assert response.status_code == 200, response.json
    paid = response.json
    assert paid["status"] == "paid"
    assert paid["paid_by"] == admin.id
    assert paid["paid_at"]
    assert {r["status"] for r in paid["requests"]} == {"paid"}
    assert all(r["paid_at"] for r in paid["requests"])
    assert balance(IN_TRANSIT) == 0
    assert balance(BANK) == 0  # and now went out to the workers
    rows = settlements(db)
    assert {row.id for row in rows} == {paid["settlement_id"]}
    assert sorted((row.account, row.amount_minor) for row in rows) == [
        (BANK, 4000),
        (IN_TRANSIT, -4000),
    ]
    # The file of a paid batch is still the same file.
    assert client.get(f"{BATCHES}/{batch['id']}/sepa.xml", headers=admin.headers).status_code == 200

    twice = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin.headers)
    assert twice.status_code == 409
    assert twice.json["code"] == "already_paid"
    assert len(settlements(db)) == 2
    worker_view = client.get(f"/api/v1/payout-requests/{made[0]['id']}", headers=admin.headers)
    assert worker_view.json["status"] == "paid"


def test_nothing_pending_is_409_and_paid_requests_are_not_batched_again(client, person, credit):
    admin = person("admin")
    empty = client.post(BATCHES, headers=admin.headers)
    assert empty.status_code == 409
    assert empty.json["code"] == "nothing_to_pay"
    requested(client, person, credit, [1000])
    assert client.post(BATCHES, headers=admin.headers).status_code == 201
    assert client.post(BATCHES, headers=admin.headers).json["code"] == "nothing_to_pay"


def test_concurrent_batches_never_share_a_request(app, client, person, credit, db, balance):
    admin = person("admin")
    requested(client, person, credit, [1000 + i for i in range(6)])
    responses = at_once(app, [("POST", BATCHES, {"headers": admin.headers})] * 4)
    created = [r.json for r in responses if r.status_code == 201]
    assert created
    assert {r.json["code"] for r in responses if r.status_code != 201} <= {"nothing_to_pay"}
    with db.transaction(write=False) as session:
        rows = session.execute(select(PayoutRequest.batch_id, PayoutRequest.status)).all()
    assert {status for _, status in rows} == {"batched"}
    assert sum(batch["count"] for batch in created) == len(rows) == 6
    assert sum(batch["total"]["amount_minor"] for batch in created) == balance(IN_TRANSIT)


def test_concurrent_mark_paid_settles_once(app, client, person, credit, db, balance):
    admin = person("admin")
    requested(client, person, credit, [1000, 2000])
    batch = client.post(BATCHES, headers=admin.headers).json
    mark = ("POST", f"{BATCHES}/{batch['id']}/mark-paid", {"headers": admin.headers})
    responses = at_once(app, [mark] * 5)
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"already_paid"}
    assert len(settlements(db)) == 2  # one transaction, two entries
    assert balance(IN_TRANSIT) == 0


def test_one_currency_per_batch_the_oldest_first(app, client, person, credit):
    admin = person("admin")
    (eur,) = requested(client, person, credit, [1000])
    override_settings(app, PAYOUT_MIN="5.00 CHF")
    chf_worker = person()
    credit(chf_worker.id, 700, currency="CHF")
    chf = client.post(PAYOUTS, json=payout_body(), headers=chf_worker.headers).json
    assert chf["amount"] == {"amount_minor": 700, "currency": "CHF"}
    first = client.post(BATCHES, headers=admin.headers).json
    second = client.post(BATCHES, headers=admin.headers).json
    assert (first["total"], first["count"]) == (eur["amount"], 1)
    assert (second["total"], second["count"]) == (chf["amount"], 1)
    assert client.post(BATCHES, headers=admin.headers).status_code == 409
    listed = client.get(BATCHES, headers=admin.headers).json
    assert {b["id"] for b in listed["items"]} == {first["id"], second["id"]}


def test_batches_are_for_admins_and_unknown_ones_are_404(client, person, credit):
    admin, worker, brand = person("admin"), person(), person("brand")
    requested(client, person, credit, [1000])
    batch = client.post(BATCHES, headers=admin.headers).json
    for outsider in (worker, brand):
        assert client.post(BATCHES, headers=outsider.headers).status_code == 403
        assert client.get(f"{BATCHES}/{batch['id']}", headers=outsider.headers).status_code == 403
        sepa = client.get(f"{BATCHES}/{batch['id']}/sepa.xml", headers=outsider.headers)
        assert sepa.status_code == 403
    for path in ("", "/sepa.xml"):
        missing = client.get(f"{BATCHES}/nope{path}", headers=admin.headers)
        assert missing.status_code == 404
    assert client.post(f"{BATCHES}/nope/mark-paid", headers=admin.headers).status_code == 404
