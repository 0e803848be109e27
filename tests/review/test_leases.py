"""Leases: an admin opening a submission holds it for a short while; others see who, cannot
decide it meanwhile, and of two taking it at once exactly one gets it. A decision that lost
the race says who decided, whoever that was."""

from __future__ import annotations

import threading
from datetime import timedelta

from backend.kernel.clock import utcnow
from backend.review import leases, service
from backend.review.models import ReviewLease
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import submit, validate_now


def lease(client, headers, submission_id, method="post"):
    return getattr(client, method)(f"/api/v1/submissions/{submission_id}/lease", headers=headers)


def approve(client, headers, submission_id):
    return client.post(
        f"/api/v1/submissions/{submission_id}/decision",
        json={"decision": "approve"},
        headers=headers,
    )


def test_a_lease_is_shown_to_others_and_keeps_them_from_deciding(
    client, make, auth_headers, in_review
):
    waiting = in_review()
    bea = make(UserFactory, role="admin", display_name="Bea Admin")
    bea_headers, carl_headers = auth_headers(bea), auth_headers(make(UserFactory, role="admin"))

    taken = lease(client, bea_headers, waiting.submission_id)
    assert taken.status_code == 200, taken.json
    assert taken.json["submission_id"] == waiting.submission_id
    assert taken.json["admin"] == {"id": bea.id, "display_name": "Bea Admin"}
    (item,) = client.get("/api/v1/review/queue", headers=carl_headers).json["items"]
    assert item["lease"] == {"admin": taken.json["admin"], "expires_at": taken.json["expires_at"]}

    refused = lease(client, carl_headers, waiting.submission_id)
    assert refused.status_code == 409
    assert refused.json["code"] == "lease_held"
    assert refused.json["holder"] == {"id": bea.id, "display_name": "Bea Admin"}
    assert refused.json["detail"].startswith("Bea Admin is reviewing this submission")
    decided = approve(client, carl_headers, waiting.submission_id)
    assert decided.status_code == 409
    assert decided.json["code"] == "lease_held"
    # Not Carl's to give back either.
    assert lease(client, carl_headers, waiting.submission_id, "delete").status_code == 409

    renewed = lease(client, bea_headers, waiting.submission_id)
    assert renewed.status_code == 200
    assert renewed.json["expires_at"] >= taken.json["expires_at"]
    released = lease(client, bea_headers, waiting.submission_id, "delete")
    assert released.status_code == 204
    assert released.data == b""
    assert lease(client, bea_headers, waiting.submission_id, "delete").status_code == 204
    assert lease(client, carl_headers, waiting.submission_id).status_code == 200
    assert approve(client, carl_headers, waiting.submission_id).status_code == 200
    assert client.get("/api/v1/review/queue", headers=carl_headers).json["items"] == []


def test_the_holder_decides_and_the_lease_goes_with_the_decision(
    client, db, make, auth_headers, in_review
):
    waiting = in_review()
    bea, carl = (auth_headers(make(UserFactory, role="admin")) for _ in range(2))
    assert lease(client, bea, waiting.submission_id).status_code == 200
    assert approve(client, bea, waiting.submission_id).status_code == 200
    with db.transaction(write=False) as session:
        assert session.query(ReviewLease).count() == 0
    late = lease(client, carl, waiting.submission_id)
    assert late.status_code == 409
    assert late.json["code"] == "already_decided"


def test_a_lease_that_ran_out_is_anyone_s(app, client, db, make, auth_headers, in_review):
    waiting = in_review()
    bea = make(UserFactory, role="admin")
    with db.transaction() as session:
        leases.take_lease(
            db_session=session,
            submission_id=waiting.submission_id,
            admin=bea,
            now=utcnow() - timedelta(minutes=10),
            lease_seconds=120,
        )
    carl = auth_headers(make(UserFactory, role="admin"))
    (item,) = client.get("/api/v1/review/queue", headers=carl).json["items"]
    assert item["lease"] is None
    assert approve(client, carl, waiting.submission_id).status_code == 200


def test_leases_refuse_what_is_not_in_review_and_who_is_not_an_admin(
    client, make, auth_headers, in_review
):
    waiting = in_review()
    admin = auth_headers(make(UserFactory, role="admin"))
    assert lease(client, admin, "nope").status_code == 404
    assert lease(client, admin, "nope", "delete").status_code == 404
    assert lease(client, waiting.claimed.headers, waiting.submission_id).status_code == 403
    assert client.post(f"/api/v1/submissions/{waiting.submission_id}/lease").status_code == 401


def test_of_two_admins_taking_a_lease_at_once_exactly_one_gets_it(
    app, db, make, auth_headers, in_review
):
    """The first admin's lease is written but not committed when the second asks: the second
    waits for it, then learns who holds it."""
    waiting = in_review()
    bea = make(UserFactory, role="admin", display_name="Bea Admin")
    carl = auth_headers(make(UserFactory, role="admin"))
    answers = []

    def take_meanwhile():
        answers.append(lease(app.test_client(), carl, waiting.submission_id))

    with db.transaction() as session:
        leases.take_lease(
            db_session=session,
            submission_id=waiting.submission_id,
            admin=bea,
            now=utcnow(),
            lease_seconds=120,
        )
        other = threading.Thread(target=take_meanwhile)
        other.start()
        other.join(timeout=1)
        assert other.is_alive()  # the second waits for the first's row
    other.join(timeout=30)
    (answer,) = answers
    assert answer.status_code == 409, answer.json
    assert answer.json["code"] == "lease_held"
    assert answer.json["holder"]["id"] == bea.id


def test_many_admins_at_once_one_lease(app, make, auth_headers, in_review):
    waiting = in_review()
    admins = [make(UserFactory, role="admin") for _ in range(6)]
    headers = [auth_headers(a) for a in admins]
    start = threading.Barrier(len(admins))
    answers: dict[int, object] = {}

    def take(i):
        client = app.test_client()
        start.wait()
        answers[i] = lease(client, headers[i], waiting.submission_id)

    threads = [threading.Thread(target=take, args=(i,)) for i in range(len(admins))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [200] + [409] * 5
    (winner,) = [a.json["admin"]["id"] for a in answers.values() if a.status_code == 200]
    holders = {a.json["holder"]["id"] for a in answers.values() if a.status_code == 409}
    assert holders == {winner}


def test_a_decision_the_deadline_made_first_says_so(client, db, make, auth_headers, in_review):
    waiting = in_review()
    with db.transaction() as session:
        approved = service.approve_overdue(
            db_session=session, now=utcnow() + timedelta(days=3), sla_hours=48, limit=10
        )
    assert approved == 1
    late = approve(client, auth_headers(make(UserFactory, role="admin")), waiting.submission_id)
    assert late.status_code == 409
    assert late.json["code"] == "already_decided"
    assert late.json["actor"] == "deadline"
    assert late.json["decided_by"] is None
    assert late.json["decided_status"] == "approved"
    assert late.json["submission_status"] == "approved"
    assert late.json["status"] == 409  # problem+json's own status stays the HTTP one
    assert late.json["detail"].startswith("Approved automatically at ")


def test_a_decision_another_admin_made_first_names_them(client, make, auth_headers, in_review):
    waiting = in_review()
    bea = make(UserFactory, role="admin", display_name="Bea Admin")
    rejected = client.post(
        f"/api/v1/submissions/{waiting.submission_id}/decision",
        json={"decision": "reject", "reason_code": "wrong_store", "comment": "Other chain."},
        headers=auth_headers(bea),
    )
    assert rejected.status_code == 200
    late = approve(client, auth_headers(make(UserFactory, role="admin")), waiting.submission_id)
    assert late.status_code == 409
    assert late.json["code"] == "already_decided"
    assert late.json["decided_by"] == {"id": bea.id, "display_name": "Bea Admin"}
    assert late.json["decided_status"] == "rejected"
    assert late.json["actor"] == "admin"
    assert late.json["detail"].startswith("Rejected by Bea Admin at ")
    assert late.json["decided_at"]


def test_a_decision_on_what_the_machine_decided_says_so(app, client, db, make, auth_headers, claim):
    sent = submit(client, claim(), [jpeg(shelf(seed=31))])
    validate_now(app, db, sent.json["submission_id"])
    late = approve(
        client, auth_headers(make(UserFactory, role="admin")), sent.json["submission_id"]
    )
    assert late.status_code == 409
    assert late.json["code"] == "already_decided"
    assert (late.json["actor"], late.json["decided_status"]) == ("machine", "approved")
    assert late.json["decided_by"] is None
    assert late.json["detail"].startswith("Approved automatically by the checks at ")


def test_a_refused_decision_keeps_the_lease_that_refused_it_and_an_approval_drops_one_run_out(
    client, db, make, auth_headers, in_review
):
    # A decision drops the submission's leases as it checks them (one DELETE … RETURNING):
    # the refusal must undo that drop, in a single decision and in a bulk one's savepoint.
    held, lapsed = in_review(), in_review()
    bea = make(UserFactory, role="admin", display_name="Bea Admin")
    carl = auth_headers(make(UserFactory, role="admin"))
    with db.transaction() as session:
        for waiting, taken_at in ((held, utcnow()), (lapsed, utcnow() - timedelta(minutes=10))):
            leases.take_lease(
                db_session=session,
                submission_id=waiting.submission_id,
                admin=bea,
                now=taken_at,
                lease_seconds=120,
            )
    done = client.post(
        "/api/v1/review/bulk-approve",
        json={"submission_ids": [held.submission_id, lapsed.submission_id]},
        headers=carl,
    )
    assert done.status_code == 200, done.json
    assert done.json["approved"] == [lapsed.submission_id]
    assert [s["code"] for s in done.json["skipped"]] == ["lease_held"]
    refused = approve(client, carl, held.submission_id)
    assert refused.status_code == 409
    assert refused.json["holder"] == {"id": bea.id, "display_name": "Bea Admin"}
    with db.transaction(write=False) as session:
        kept = session.query(ReviewLease).all()
        assert [(k.submission_id, k.admin_id) for k in kept] == [(held.submission_id, bea.id)]
