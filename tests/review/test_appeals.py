"""Appeals: within the window, decided by a second admin; a reversal pays in full."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from backend.submissions.models import Decision, Submission
from tests.support.review import appeal, balance, decide_appeal, open_appeals, reject


def test_a_reversed_appeal_pays_in_full(client, db, in_review, admin):
    waiting = in_review()
    first_admin, second_admin = admin(), admin()
    reject(client, first_admin, waiting.submission_id)
    made = appeal(client, waiting)
    assert made.status_code == 201, made.json
    assert made.json["status"] == "open"
    assert "rejected_by" not in made.json  # the worker is not told which admin
    shown = client.get(
        f"/api/v1/submissions/{waiting.submission_id}", headers=waiting.claimed.headers
    ).json
    assert shown["status"] == "appealed"
    (listed,) = open_appeals(client, second_admin)
    assert listed["id"] == made.json["id"]
    assert listed["message"] == "PAD-2 is on the bottom shelf, left."
    assert listed["rejection"]["reasons"] == ["missing_products"]
    same = decide_appeal(client, first_admin, listed["id"], {"decision": "approve"})
    assert same.status_code == 403
    assert same.json["code"] == "same_reviewer"
    reversed_ = decide_appeal(client, second_admin, listed["id"], {"decision": "approve"})
    assert reversed_.status_code == 200, reversed_.json
    assert reversed_.json["submission_status"] == "approved"
    assert reversed_.json["appeal"]["status"] == "approved"
    assert balance(db, waiting.claimed.worker.id) == 600
    again = decide_appeal(
        client,
        admin(),
        listed["id"],
        {"decision": "reject", "reason_code": "other", "comment": "x"},
    )
    assert again.status_code == 409
    # The race lost says who won, and what they decided.
    assert again.json["code"] == "already_decided"
    assert again.json["decided_status"] == "approved"
    assert again.json["decided_by"]["id"] == reversed_.json["appeal"]["decided_by"]
    assert again.json["detail"].startswith("Approved by ")
    assert balance(db, waiting.claimed.worker.id) == 600
    assert open_appeals(client, second_admin) == []
    with db.transaction(write=False) as session:
        last = session.scalars(
            select(Decision)
            .where(Decision.submission_id == waiting.submission_id)
            .order_by(Decision.created_at.desc())
        ).first()
        assert last is not None
        assert last.appeal_id == made.json["id"]
        assert last.evidence["appeal_id"] == made.json["id"]


def test_an_upheld_rejection_stays_unpaid_and_cannot_be_appealed_again(
    client, db, in_review, admin
):
    waiting = in_review()
    reject(client, admin(), waiting.submission_id)
    appeal_id = appeal(client, waiting).json["id"]
    missing = decide_appeal(client, admin(), appeal_id, {"decision": "reject"})
    assert missing.status_code == 422
    assert "reason_code" in missing.json["errors"]
    upheld = decide_appeal(
        client,
        admin(),
        appeal_id,
        {"decision": "reject", "reason_code": "missing_products", "comment": "Not visible."},
    )
    assert upheld.status_code == 200, upheld.json
    assert upheld.json["submission_status"] == "rejected"
    assert balance(db, waiting.claimed.worker.id) == 0
    twice = appeal(client, waiting)
    assert twice.status_code == 409
    assert twice.json["code"] == "already_appealed"


def test_a_machine_rejection_may_be_decided_by_any_admin(client, db, in_review, admin):
    waiting = in_review()
    with db.transaction() as session:
        from backend.kernel.clock import utcnow
        from backend.submissions import decisions

        decisions.decide(
            db_session=session,
            submission_id=waiting.submission_id,
            verdict=decisions.Verdict(
                status="rejected", actor="machine-test", reasons=["reused_photo"]
            ),
            now=utcnow(),
            from_statuses=("in_review",),
        )
    appeal_id = appeal(client, waiting).json["id"]
    (listed,) = open_appeals(client, admin())
    assert listed["rejected_by"] is None
    assert decide_appeal(client, admin(), appeal_id, {"decision": "approve"}).status_code == 200


def test_only_a_rejection_within_the_window_by_its_worker_may_be_appealed(
    client, db, in_review, admin, make, auth_headers
):
    waiting = in_review()
    early = appeal(client, waiting)
    assert early.status_code == 409
    assert early.json["code"] == "not_rejected"
    reject(client, admin(), waiting.submission_id)
    from tests.support.factories import UserFactory

    stranger = appeal(client, waiting, headers=auth_headers(make(UserFactory)))
    assert stranger.status_code == 404
    empty = appeal(client, waiting, message="   ")
    assert empty.status_code == 422
    assert "message" in empty.json["errors"]
    with db.transaction() as session:
        decided = session.get_one(Submission, waiting.submission_id).decided_at
        session.execute(
            update(Submission)
            .where(Submission.id == waiting.submission_id)
            .values(decided_at=decided - timedelta(days=7, minutes=1))
        )
    late = appeal(client, waiting)
    assert late.status_code == 409
    assert late.json["code"] == "appeal_window_closed"


def test_only_admins_list_and_decide_appeals(client, in_review, admin):
    waiting = in_review()
    reject(client, admin(), waiting.submission_id)
    appeal_id = appeal(client, waiting).json["id"]
    assert client.get("/api/v1/appeals", headers=waiting.claimed.headers).status_code == 403
    response = decide_appeal(client, waiting.claimed.headers, appeal_id, {"decision": "approve"})
    assert response.status_code == 403
    assert decide_appeal(client, admin(), "nope", {"decision": "approve"}).status_code == 404


def test_a_decided_appeal_keeps_the_rejection_and_every_decision_in_order(client, in_review, admin):
    waiting = in_review()
    first_admin, second_admin = admin(), admin()
    reject(client, first_admin, waiting.submission_id, code="missing_products")
    made = appeal(client, waiting)
    (listed,) = open_appeals(client, second_admin)
    assert listed["rejection"]["reasons"] == ["missing_products"]
    granted = decide_appeal(client, second_admin, made.json["id"], {"decision": "approve"})
    assert granted.status_code == 200, granted.json
    assert granted.json["appeal"]["rejection"]["reasons"] == ["missing_products"]
    decided = client.get("/api/v1/appeals", query_string={"status": "approved"}, headers=admin())
    (shown,) = [a for a in decided.json["items"] if a["id"] == made.json["id"]]
    # The rejection appealed, as it was: the reversal did not empty it.
    assert shown["rejection"]["reasons"] == ["missing_products"]
    assert shown["rejection"]["comment"] == "PAD-2 not in the photo."
    assert shown["rejection"]["actor"] == "admin"
    expected = [
        ("in_review", "machine", [], False),
        ("rejected", "admin", ["missing_products"], False),
        ("approved", "admin", [], True),
    ]
    assert [
        (d["status"], d["actor"], d["reasons"], d["on_appeal"]) for d in shown["decisions"]
    ] == expected
    for viewer in (waiting.claimed.headers, admin()):
        submission = client.get(f"/api/v1/submissions/{waiting.submission_id}", headers=viewer)
        assert submission.json["status"] == "approved"
        history = submission.json["decisions"]
        assert [(d["status"], d["actor"], d["reasons"], d["on_appeal"]) for d in history] == (
            expected
        )
        assert history[1]["comment"] == "PAD-2 not in the photo."
        assert submission.json["decision"] == history[-1]


def test_an_appeal_names_the_admin_who_rejected_and_the_one_who_decided(
    client, make, auth_headers, in_review
):
    from tests.support.factories import UserFactory

    rejecter = make(UserFactory, role="admin", display_name="Ann Rejecter")
    decider = make(UserFactory, role="admin", display_name="Bea Decider")
    waiting = in_review()
    reject(client, auth_headers(rejecter), waiting.submission_id)
    appeal_id = appeal(client, waiting).json["id"]

    (listed,) = open_appeals(client, auth_headers(decider))
    assert listed["rejected_by"] == rejecter.id  # the id stays as it was
    assert listed["rejection"]["decided_by"] == {"id": rejecter.id, "display_name": "Ann Rejecter"}
    assert listed["decided_by"] is None
    assert listed["decided_by_admin"] is None

    decided = decide_appeal(client, auth_headers(decider), appeal_id, {"decision": "approve"})
    assert decided.status_code == 200, decided.json
    answer = decided.json["appeal"]
    assert answer["decided_by"] == decider.id
    assert answer["decided_by_admin"] == {"id": decider.id, "display_name": "Bea Decider"}
    assert answer["rejection"]["decided_by"]["display_name"] == "Ann Rejecter"
    granted = client.get(
        "/api/v1/appeals", headers=auth_headers(decider), query_string={"status": "approved"}
    ).json["items"]
    assert [a["decided_by_admin"]["display_name"] for a in granted] == ["Bea Decider"]


def test_appeals_name_their_admins_in_as_many_statements_whatever_the_page(
    client, db, make, auth_headers, in_review, admin
):
    from tests.support.factories import UserFactory
    from tests.support.statements import statements

    reader = admin()

    def appeal_one() -> None:
        waiting = in_review()
        reject(client, auth_headers(make(UserFactory, role="admin")), waiting.submission_id)
        assert appeal(client, waiting).status_code == 201

    appeal_one()
    with statements(db) as one:
        assert len(open_appeals(client, reader)) == 1
    for _ in range(3):
        appeal_one()
    with statements(db) as four:
        listed = open_appeals(client, reader)
    assert len(listed) == 4
    assert len({a["rejection"]["decided_by"]["id"] for a in listed}) == 4
    assert len(four) == len(one)
