"""The review queue and admin decisions: reasons the worker reads, pay once, an audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from backend.ledger import service as ledger
from backend.ledger.models import LedgerTransaction
from backend.missions.models import Mission
from backend.submissions.models import Decision
from tests.support.submitting import BRUSSELS, honest_payload

FAR = {"latitude": BRUSSELS[0] + 0.027}  # 3 km from the store: the location check doubts it


def queue(client, headers, **params):
    response = client.get("/api/v1/review/queue", headers=headers, query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def decide(client, headers, submission_id, body, key=None):
    headers = headers | ({"Idempotency-Key": key} if key else {})
    return client.post(f"/api/v1/submissions/{submission_id}/decision", json=body, headers=headers)


def worker_balance(db, worker_id):
    with db.transaction(write=False) as session:
        return ledger.balance(db_session=session, account=f"worker:{worker_id}", currency="EUR")


def test_the_queue_puts_doubted_submissions_first_then_the_longest_waiting(
    client, in_review, admin
):
    routine_old = in_review()
    doubted = in_review(honest_payload(**FAR))
    routine_new = in_review()
    headers = admin()
    shown = queue(client, headers)
    assert [item["id"] for item in shown["items"]] == [
        doubted.submission_id,
        routine_old.submission_id,
        routine_new.submission_id,
    ]
    assert [item["flagged"] for item in shown["items"]] == [True, False, False]
    first = shown["items"][0]
    assert "location" in first["flags"]
    assert {c["name"] for c in first["checks"]} >= {"location", "sharpness", "reuse"}
    assert first["evidence"]["latitude"] == pytest.approx(BRUSSELS[0] + 0.027)
    assert first["store"]["latitude"] == pytest.approx(BRUSSELS[0])
    assert first["photos"][0]["url"].startswith("/api/v1/photos/")
    assert first["reward"] == {"amount_minor": 600, "currency": "EUR"}
    assert first["deadline_at"] > first["in_review_since"]
    # Page by page, the same order.
    walked, cursor = [], None
    while True:
        page = queue(client, headers, limit=1, **({"cursor": cursor} if cursor else {}))
        walked += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [item["id"] for item in shown["items"]]


def test_only_admins_see_the_queue(client, in_review):
    waiting = in_review()
    response = client.get("/api/v1/review/queue", headers=waiting.claimed.headers)
    assert response.status_code == 403
    assert client.get("/api/v1/review/queue").status_code == 401


def test_an_approval_pays_the_worker_once_and_completes_the_mission(client, db, in_review, admin):
    waiting = in_review()
    headers = admin()
    assert worker_balance(db, waiting.claimed.worker.id) == 0
    response = decide(client, headers, waiting.submission_id, {"decision": "approve"})
    assert response.status_code == 200, response.json
    assert response.json["status"] == "approved"
    assert response.json["decision"]["actor"] == "admin"
    assert response.json["payout"]["amount"] == {"amount_minor": 600, "currency": "EUR"}
    assert worker_balance(db, waiting.claimed.worker.id) == 600
    again = decide(client, admin(), waiting.submission_id, {"decision": "approve"})
    assert again.status_code == 409
    assert again.json["code"] == "already_decided"
    assert worker_balance(db, waiting.claimed.worker.id) == 600
    with db.transaction(write=False) as session:
        assert session.get_one(Mission, waiting.claimed.mission_id).status == "completed"
    assert queue(client, headers)["items"] == []


def test_a_rejection_needs_a_reason_the_worker_then_reads(client, db, in_review, admin):
    waiting = in_review()
    headers = admin()
    missing = decide(client, headers, waiting.submission_id, {"decision": "reject"})
    assert missing.status_code == 422
    assert "reason_code" in missing.json["errors"]
    unknown = decide(
        client, headers, waiting.submission_id, {"decision": "reject", "reason_code": "ugly"}
    )
    assert unknown.status_code == 422
    assert "reason_code" in unknown.json["errors"]
    other = decide(
        client, headers, waiting.submission_id, {"decision": "reject", "reason_code": "other"}
    )
    assert other.status_code == 422
    assert "comment" in other.json["errors"]
    nonsense = decide(client, headers, waiting.submission_id, {"decision": "perhaps"})
    assert nonsense.status_code == 422
    assert "decision" in nonsense.json["errors"]
    rejected = decide(
        client,
        headers,
        waiting.submission_id,
        {"decision": "reject", "reason_code": "blurry_photo", "comment": "Top shelf is a blur."},
    )
    assert rejected.status_code == 200, rejected.json
    seen = client.get(
        f"/api/v1/submissions/{waiting.submission_id}", headers=waiting.claimed.headers
    ).json
    assert seen["status"] == "rejected"
    assert seen["decision"]["reasons"] == ["blurry_photo"]
    assert seen["decision"]["comment"] == "Top shelf is a blur."
    assert seen["payout"] is None
    assert worker_balance(db, waiting.claimed.worker.id) == 0


def test_workers_and_brands_cannot_decide(client, make, auth_headers, in_review):
    waiting = in_review()
    response = decide(
        client, waiting.claimed.headers, waiting.submission_id, {"decision": "approve"}
    )
    assert response.status_code == 403
    from tests.support.factories import UserFactory

    brand_user = make(UserFactory, role="brand", brand=waiting.claimed.brand)
    response = decide(
        client, auth_headers(brand_user), waiting.submission_id, {"decision": "approve"}
    )
    assert response.status_code == 403


def test_unknown_submission_is_404(client, admin):
    response = decide(client, admin(), "nope", {"decision": "approve"})
    assert response.status_code == 404


def test_a_replayed_decision_answers_as_the_first(client, db, in_review, admin):
    waiting = in_review()
    headers = admin()
    body = {"decision": "reject", "reason_code": "wrong_store", "comment": "Other chain."}
    first = decide(client, headers, waiting.submission_id, body, key="decide-1")
    replay = decide(client, headers, waiting.submission_id, body, key="decide-1")
    assert first.status_code == replay.status_code == 200
    assert replay.json == first.json
    changed = decide(
        client, headers, waiting.submission_id, {"decision": "approve"}, key="decide-1"
    )
    assert changed.status_code == 422
    assert changed.json["code"] == "idempotency_conflict"
    with db.transaction(write=False) as session:
        count = select(func.count()).where(
            Decision.submission_id == waiting.submission_id, Decision.actor == "admin"
        )
        assert session.scalar(count) == 1


def test_every_decision_is_an_audit_record_nobody_can_change(
    client, db, in_review, admin, backend_name
):
    waiting = in_review()
    decide(client, admin(), waiting.submission_id, {"decision": "approve"})
    with db.transaction(write=False) as session:
        decisions = session.scalars(
            select(Decision)
            .where(Decision.submission_id == waiting.submission_id)
            .order_by(Decision.created_at)
        ).all()
        assert [(d.actor, d.status) for d in decisions] == [
            ("machine", "in_review"),
            ("admin", "approved"),
        ]
        machine, person = decisions
        assert machine.evidence["checks"]["location"] is True
        assert person.actor_id is not None
        assert person.evidence["flags"] == ["campaign_requires_review"]
        assert len(person.evidence["photos"]) == 1
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.execute(update(Decision).values(comment="rewritten"))
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.execute(text("DELETE FROM submission_decisions"))
    with db.transaction(write=False) as session:
        credits = select(func.count()).select_from(LedgerTransaction)
        assert session.scalar(credits.where(LedgerTransaction.kind == "submission_credit")) == 1
