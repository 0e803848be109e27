"""The audit sample over HTTP: drawn with the machine's approval, audited once, pay untouched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from backend.audits.models import Audit
from backend.kernel.clock import utcnow
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.submissions.models import Decision, Submission
from backend.validation.models import AuditSample
from workers.review import approve_overdue

PROBLEM = "application/problem+json"


def pending(client, headers, **params):
    response = client.get("/api/v1/review/audits", headers=headers, query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def audit(client, headers, submission_id, body):
    return client.post(f"/api/v1/review/audits/{submission_id}", json=body, headers=headers)


def samples(db):
    with db.transaction(write=False) as session:
        return set(session.scalars(select(AuditSample.submission_id)))


def earnings(client, headers):
    response = client.get("/api/v1/me/earnings", headers=headers)
    assert response.status_code == 200, response.json
    body = response.json
    return body["balance"], [(line["kind"], line["amount"]) for line in body["items"]]


def decisions(db, submission_id):
    with db.transaction(write=False) as session:
        return [
            (d.status, d.actor, d.reasons, d.flags, d.comment)
            for d in session.scalars(
                select(Decision).where(Decision.submission_id == submission_id)
            )
        ]


def test_a_sampled_approval_pays_exactly_as_one_not_sampled(client, db, validated):
    drawn = validated(percent=100)
    skipped = validated(percent=0)
    assert samples(db) == {drawn.submission_id}
    assert earnings(client, drawn.claimed.headers) == earnings(client, skipped.claimed.headers)
    assert earnings(client, drawn.claimed.headers)[0] == {"amount_minor": 600, "currency": "EUR"}
    assert decisions(db, drawn.submission_id) == decisions(db, skipped.submission_id)
    for done in (drawn, skipped):
        shown = client.get(
            f"/api/v1/submissions/{done.submission_id}", headers=done.claimed.headers
        )
        assert shown.json["status"] == "approved"


def test_only_the_machines_approvals_are_drawn_not_the_deadlines(app, db, validated):
    waiting = validated(percent=100, review_required=True)  # the machine sends it to a person
    with db.transaction() as session:
        decided_at = session.get_one(Submission, waiting.submission_id).decided_at
        session.execute(
            update(Submission)
            .where(Submission.id == waiting.submission_id)
            .values(decided_at=decided_at - timedelta(hours=49))
        )
    with app.app_context():
        assert approve_overdue.apply().get() == 1
    assert decisions(db, waiting.submission_id)[-1][:2] == ("approved", "deadline")
    assert samples(db) == set()


def test_the_audit_queue_shows_pending_samples_oldest_first_as_the_review_queue_does(
    client, validated, admin
):
    first, second, third = validated(), validated(), validated()
    validated(percent=0)
    _, headers = admin()
    shown = pending(client, headers)
    assert [item["id"] for item in shown["items"]] == [
        first.submission_id,
        second.submission_id,
        third.submission_id,
    ]
    item = shown["items"][0]
    assert item["status"] == "approved"
    assert item["sample_percent"] == 100
    assert item["sampled_at"] == item["approved_at"]
    assert {c["name"] for c in item["checks"]} >= {"location", "sharpness", "reuse"}
    assert item["photos"][0]["url"].startswith("/api/v1/photos/")
    assert item["store"]["geofence_m"] > 0
    assert item["reward"] == {"amount_minor": 600, "currency": "EUR"}
    assert item["campaign"]["name"]
    assert item["worker"]["id"] == first.claimed.worker.id
    assert item["worker"]["approved"] == 1
    assert [p["sku"] for p in item["products"]] == ["PAD-1", "PAD-2"]
    assert item["matches"] == []
    assert "deadline_at" not in item
    assert "lease" not in item
    assert shown["counts"] == {"total": 3}
    walked, cursor = [], None
    while True:
        page = pending(client, headers, limit=1, **({"cursor": cursor} if cursor else {}))
        walked += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == [i["id"] for i in shown["items"]]
    assert audit(client, headers, second.submission_id, {"agree": True}).status_code == 200
    left = pending(client, headers)
    assert [i["id"] for i in left["items"]] == [first.submission_id, third.submission_id]
    assert left["counts"] == {"total": 2}


def everything_an_audit_must_not_touch(db, submission_id):
    with db.transaction(write=False) as session:
        submission = session.get_one(Submission, submission_id)
        return (
            (submission.status, submission.reasons, submission.flags, submission.checks),
            submission.decided_at,
            decisions(db, submission_id),
            session.scalar(select(func.count()).select_from(LedgerTransaction)),
            sorted((e.account, e.amount_minor) for e in session.scalars(select(LedgerEntry))),
        )


def test_a_disagreement_is_recorded_and_changes_nothing_of_the_submission_or_pay(
    client, db, validated, admin
):
    done = validated()
    before = everything_an_audit_must_not_touch(db, done.submission_id)
    bea, headers = admin("Bea Admin")
    response = audit(
        client,
        headers,
        done.submission_id,
        {"agree": False, "reason_code": "wrong_store", "comment": "Another chain's shelf."},
    )
    assert response.status_code == 200, response.json
    assert response.json | {"audited_at": None, "sampled_at": None} == {
        "submission_id": done.submission_id,
        "agree": False,
        "reason_code": "wrong_store",
        "comment": "Another chain's shelf.",
        "audited_by": {"id": bea.id, "display_name": "Bea Admin"},
        "audited_at": None,
        "sampled_at": None,
        "sample_percent": 100.0,
    }
    assert everything_an_audit_must_not_touch(db, done.submission_id) == before
    assert earnings(client, done.claimed.headers)[0] == {"amount_minor": 600, "currency": "EUR"}


def test_a_sample_is_audited_once_and_the_second_admin_is_told_by_whom(
    client, db, validated, admin
):
    done = validated()
    _, bea = admin("Bea Admin")
    _, carl = admin("Carl Admin")
    assert audit(client, bea, done.submission_id, {"agree": True}).status_code == 200
    second = audit(
        client,
        carl,
        done.submission_id,
        {"agree": False, "reason_code": "other", "comment": "Hmm."},
    )
    assert second.status_code == 409
    assert second.mimetype == PROBLEM
    assert second.json["code"] == "already_audited"
    assert second.json["detail"].startswith("Audited by Bea Admin at ")
    assert second.json["detail"].endswith(": agreed.")
    assert second.json["audited_by"]["display_name"] == "Bea Admin"
    assert second.json["agree"] is True
    assert second.json["detail"] == f"Audited by Bea Admin at {second.json['audited_at']}: agreed."
    with db.transaction(write=False) as session:
        assert session.get_one(Audit, done.submission_id).agree is True


def test_a_submission_not_drawn_cannot_be_audited(client, validated, admin):
    skipped = validated(percent=0)
    _, headers = admin()
    response = audit(client, headers, skipped.submission_id, {"agree": True})
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
    assert audit(client, headers, "no-such-id", {"agree": True}).status_code == 404


def test_a_disagreement_without_a_catalogued_reason_is_refused_naming_the_field(
    client, db, validated, admin
):
    done = validated()
    _, headers = admin()
    for body, field in [
        ({"agree": False}, "reason_code"),
        ({"agree": False, "reason_code": "looks_off"}, "reason_code"),
        ({"agree": False, "reason_code": "other"}, "comment"),
        ({"agree": True, "reason_code": "blurry_photo"}, "reason_code"),
        ({"reason_code": "blurry_photo"}, "agree"),
        ({"agree": "maybe"}, "agree"),
    ]:
        response = audit(client, headers, done.submission_id, body)
        assert response.status_code == 422, body
        assert field in response.json["errors"], (body, response.json)
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Audit)) == 0


def test_only_admins_audit(client, validated, admin):
    done = validated()
    worker = done.claimed.headers
    assert client.get("/api/v1/review/audits", headers=worker).status_code == 403
    assert client.get("/api/v1/review/agreement", headers=worker).status_code == 403
    assert audit(client, worker, done.submission_id, {"agree": True}).status_code == 403
    assert client.get("/api/v1/review/audits").status_code == 401
    assert client.get("/api/v1/review/agreement").status_code == 401


def test_agreement_adds_up_the_audits_by_check_and_by_campaign(client, validated, admin):
    agreed, disagreed, waiting = validated(), validated(), validated()
    _, headers = admin()
    assert audit(client, headers, agreed.submission_id, {"agree": True}).status_code == 200
    body = {"agree": False, "reason_code": "blurry_photo"}
    assert audit(client, headers, disagreed.submission_id, body).status_code == 200
    response = client.get("/api/v1/review/agreement", headers=headers)
    assert response.status_code == 200, response.json
    shown = response.json
    assert shown["overall"] == {"reviewed": 2, "agreed": 1, "rate": 0.5}
    by_check = {row["check"]: row for row in shown["by_check"]}
    assert by_check["location"] == {"check": "location", "reviewed": 2, "agreed": 1, "rate": 0.5}
    assert {"sharpness", "reuse", "answers_complete"} <= set(by_check)
    # Each mission the `claim` fixture makes is of a campaign of its own.
    assert sorted((row["reviewed"], row["agreed"]) for row in shown["by_campaign"]) == [
        (1, 0),
        (1, 1),
    ]
    assert waiting.submission_id not in str(shown)


def test_a_retried_audit_with_its_idempotency_key_answers_the_same(client, validated, admin):
    done = validated()
    _, headers = admin()
    keyed = headers | {"Idempotency-Key": "audit-1"}
    first = audit(client, keyed, done.submission_id, {"agree": True})
    again = audit(client, keyed, done.submission_id, {"agree": True})
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json == first.json
    assert audit(client, headers, done.submission_id, {"agree": True}).status_code == 409


def test_agreement_since_a_time_counts_only_the_samples_drawn_after_it(
    client, db, validated, admin
):
    old, new = validated(), validated()
    _, headers = admin()
    for done in (old, new):
        assert audit(client, headers, done.submission_id, {"agree": True}).status_code == 200
    with db.transaction() as session:
        session.execute(
            update(AuditSample)
            .where(AuditSample.submission_id == old.submission_id)
            .values(sampled_at=utcnow() - timedelta(days=30))
        )
    since = (utcnow() - timedelta(days=1)).isoformat()
    response = client.get(
        "/api/v1/review/agreement", headers=headers, query_string={"since": since}
    )
    assert response.status_code == 200, response.json
    assert response.json["overall"] == {"reviewed": 1, "agreed": 1, "rate": 1.0}
    everything = client.get("/api/v1/review/agreement", headers=headers).json
    assert everything["overall"]["reviewed"] == 2
    naive = client.get(
        "/api/v1/review/agreement", headers=headers, query_string={"since": "2026-12-01T00:00:00"}
    )
    assert naive.status_code == 422
    assert "since" in naive.json["errors"]
