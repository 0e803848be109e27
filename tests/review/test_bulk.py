"""Bulk approval: each submission still waiting and not held by another admin is approved and
paid once, as a single approval would; the others are skipped with why, and undo nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.kernel.clock import utcnow
from backend.ledger import service as ledger
from backend.ledger.models import LedgerTransaction
from backend.missions.models import Mission
from backend.reconciliation.ledger import check_ledger
from tests.support.factories import UserFactory

REWARD = 600


def fund(db, mission_id):
    """Fund a mission's campaign, as publishing does (the factories leave it unfunded)."""
    with db.transaction() as session:
        campaign_id = session.scalar(select(Mission.campaign_id).where(Mission.id == mission_id))
        ledger.fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=REWARD,
            currency="EUR",
            now=utcnow(),
        )


def bulk(client, headers, submission_ids, key=None):
    return client.post(
        "/api/v1/review/bulk-approve",
        json={"submission_ids": submission_ids},
        headers=headers | ({"Idempotency-Key": key} if key else {}),
    )


def credits(db, submission_ids):
    with db.transaction(write=False) as session:
        return session.scalar(
            select(func.count()).where(
                LedgerTransaction.submission_id.in_(submission_ids),
                LedgerTransaction.kind == "submission_credit",
            )
        )


def test_bulk_approval_pays_each_waiting_one_once_and_says_why_it_skipped_the_rest(
    client, db, make, auth_headers, in_review
):
    waiting = [in_review() for _ in range(5)]
    for w in waiting:
        fund(db, w.claimed.mission_id)
    fresh, also_fresh, decided, leased, mine = (w.submission_id for w in waiting)
    me = auth_headers(make(UserFactory, role="admin"))
    bea = make(UserFactory, role="admin", display_name="Bea Admin")
    bea_headers = auth_headers(bea)
    rejected = client.post(
        f"/api/v1/submissions/{decided}/decision",
        json={"decision": "reject", "reason_code": "wrong_store", "comment": "Other chain."},
        headers=bea_headers,
    )
    assert rejected.status_code == 200
    assert (
        client.post(f"/api/v1/submissions/{leased}/lease", headers=bea_headers).status_code == 200
    )
    assert client.post(f"/api/v1/submissions/{mine}/lease", headers=me).status_code == 200

    asked = [fresh, decided, "nope", leased, also_fresh, mine]
    done = bulk(client, me, asked, key="bulk-1")
    assert done.status_code == 200, done.json
    assert done.json["approved"] == [fresh, also_fresh, mine]
    skipped = {s["submission_id"]: s for s in done.json["skipped"]}
    assert list(skipped) == [decided, "nope", leased]
    assert skipped[decided]["code"] == "already_decided"
    assert skipped[decided]["detail"].startswith("Rejected by Bea Admin at ")
    assert skipped["nope"]["code"] == "not_found"
    assert skipped[leased]["code"] == "lease_held"
    assert skipped[leased]["detail"].startswith("Bea Admin is reviewing")

    for submission_id in (fresh, also_fresh, mine):
        shown = client.get(f"/api/v1/submissions/{submission_id}", headers=me).json
        assert shown["status"] == "approved"
        assert shown["decision"]["actor"] == "admin"
        assert shown["payout"]["amount"] == {"amount_minor": REWARD, "currency": "EUR"}
    assert credits(db, [fresh, also_fresh, mine, decided, leased]) == 3

    # The same request again answers as the first; a new one approves nothing twice.
    replay = bulk(client, me, asked, key="bulk-1")
    assert replay.status_code == 200
    assert replay.json == done.json
    again = bulk(client, me, [fresh, also_fresh])
    assert again.json["approved"] == []
    assert {s["code"] for s in again.json["skipped"]} == {"already_decided"}
    assert credits(db, [fresh, also_fresh, mine]) == 3
    with db.transaction(write=False) as session:
        assert check_ledger(db_session=session) == []


def test_bulk_approval_checks_its_list(client, make, auth_headers, in_review):
    admin = auth_headers(make(UserFactory, role="admin"))
    for body in ([], ["a"] * 2, [f"s{i}" for i in range(201)], [""]):
        response = bulk(client, admin, body)
        assert response.status_code == 422, body
        assert any(f.startswith("submission_ids") for f in response.json["errors"]), body
    missing = client.post("/api/v1/review/bulk-approve", json={}, headers=admin)
    assert missing.status_code == 422
    assert "submission_ids" in missing.json["errors"]
    waiting = in_review()
    worker = bulk(client, waiting.claimed.headers, [waiting.submission_id])
    assert worker.status_code == 403


def test_the_reason_catalogue(client, make, auth_headers):
    response = client.get(
        "/api/v1/review/reasons", headers=auth_headers(make(UserFactory, role="admin"))
    )
    assert response.status_code == 200
    codes = [item["code"] for item in response.json["items"]]
    assert codes[0] == "blurry_photo"
    assert codes[-1] == "other"
    assert all(item["title"] for item in response.json["items"])
    assert client.get("/api/v1/review/reasons").status_code == 401
