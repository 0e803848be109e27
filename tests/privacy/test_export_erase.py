"""GET /me/export gives a worker everything stored about them; DELETE /me erases it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.ledger.models import LedgerEntry
from backend.missions.models import Assignment, Mission
from backend.payouts.models import PayoutRequest
from backend.review.models import Appeal
from backend.submissions.models import Photo, Submission
from tests.support.factories import PASSWORD, UserFactory
from tests.support.photos import with_gps
from tests.support.stores import stored_contents
from tests.support.submitting import honest_payload, submit, validate_now
from tests.support.tables import stored_values as _stored_values

HERE = (50.84683, 4.35297)  # digits no store shares: any copy left behind is theirs
THERE = (50.84719, 4.35241)
ELSEWHERE = (50.84655, 4.35318)
IBAN, HOLDER = "DE89370400440532013000", "Zoë Müller-Privat"
EMAIL, NAME = "zoe.privacy@example.org", "Zoë Privacy-Test"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # One approved mission (6.00 EUR) is enough to be paid out.
    return app_config | {"PAYOUT_MIN": "1.00 EUR"}


def _send(app, client, db, claimed, at, seed, photo=None):
    payload = honest_payload(latitude=at[0], longitude=at[1])
    photo = photo or with_gps(*at, seed=seed)
    response = submit(client, claimed, [photo], payload)
    assert response.status_code == 202, response.json
    validate_now(app, db, response.json["submission_id"])
    return response.json["submission_id"], photo


def _ok(response, status=200):
    assert response.status_code == status, response.json
    return response.json


def _pay_out(client, worker_headers, admin_headers):
    _ok(
        client.post(
            "/api/v1/me/payout-requests",
            json={"iban": IBAN, "holder_name": HOLDER},
            headers=worker_headers | {"Idempotency-Key": "payout-1"},
        ),
        201,
    )
    batch = _ok(client.post("/api/v1/payout-batches", headers=admin_headers), 201)
    _ok(client.post(f"/api/v1/payout-batches/{batch['id']}/mark-paid", headers=admin_headers))


def _reject_and_appeal(client, submission_id, worker_headers, first_admin, second_admin):
    _ok(
        client.post(
            f"/api/v1/submissions/{submission_id}/decision",
            json={"decision": "reject", "reason_code": "missing_products", "comment": "No PAD-2."},
            headers=first_admin,
        )
    )
    appeal = _ok(
        client.post(
            f"/api/v1/submissions/{submission_id}/appeal",
            json={"message": "PAD-2 is on the bottom shelf, left."},
            headers=worker_headers,
        ),
        201,
    )
    _ok(
        client.post(
            f"/api/v1/appeals/{appeal['id']}/decision",
            json={"decision": "reject", "reason_code": "other", "comment": "Still not there."},
            headers=second_admin,
        )
    )


@pytest.fixture
def history(app, client, db, make, auth_headers, claim) -> dict[str, Any]:
    """A worker with the whole story: an approved mission (its photo carrying GPS, fetched by
    the brand), a rejection appealed in vain, a payout paid; and a bystander."""
    worker = make(UserFactory, email=EMAIL, display_name=NAME)
    admins = [auth_headers(make(UserFactory, role="admin")) for _ in range(2)]
    approved = claim(worker=worker)
    headers = approved.headers
    first, first_photo = _send(app, client, db, approved, HERE, seed=51)
    rejected = claim(worker=worker, review_required=True)
    second, second_photo = _send(app, client, db, rejected, THERE, seed=52)
    _reject_and_appeal(client, second, headers, *admins)
    _pay_out(client, headers, admins[0])
    brand = auth_headers(make(UserFactory, role="brand", brand=approved.brand))
    photo_id = _ok(client.get(f"/api/v1/submissions/{first}", headers=headers))["photos"][0]["id"]
    assert client.get(f"/api/v1/photos/{photo_id}", headers=brand).status_code == 200
    bystander = claim()
    other, other_photo = _send(app, client, db, bystander, ELSEWHERE, seed=53)
    return {
        "worker": worker,
        "headers": headers,
        "submissions": [first, second],
        "photos": [first_photo, second_photo],
        "other_submission": other,
        "other_photo": other_photo,
        "brand": brand,
        "photo_id": photo_id,
    }


def test_export_holds_everything_stored_about_the_worker(client, history):
    response = client.get("/api/v1/me/export", headers=history["headers"])
    exported = _ok(response)
    assert exported["profile"]["email"] == EMAIL
    assert exported["profile"]["display_name"] == NAME
    assert exported["profile"]["role"] == "worker"
    assert len(exported["assignments"]) == 2
    by_id = {s["id"]: s for s in exported["submissions"]}
    assert set(by_id) == set(history["submissions"])
    first, second = (by_id[i] for i in history["submissions"])
    assert (first["latitude"], first["longitude"]) == HERE
    assert first["status"] == "approved"
    assert second["status"] == "rejected"
    assert {c["name"] for c in first["checks"]} >= {"location", "exif_location", "sharpness"}
    assert first["answers"][0]["sku"] == "PAD-1"
    (photo,) = first["photos"]
    assert photo["sha256"] == hashlib.sha256(history["photos"][0]).hexdigest()
    # A whole URL (the file is opened from wherever it is kept) that needs no token.
    assert photo["url"].startswith(f"http://localhost/api/v1/photos/{photo['id']}?variant=full&")
    image = client.get(photo["url"].removeprefix("http://localhost"))
    assert image.data == history["photos"][0]  # the worker gets their photo as taken
    comments = [d["comment"] for d in second["decisions"]]
    assert comments[-2:] == ["No PAD-2.", "Still not there."]
    assert all("actor_id" not in d for d in second["decisions"])
    (appeal,) = exported["appeals"]
    assert appeal["message"] == "PAD-2 is on the bottom shelf, left."
    (payout,) = exported["payout_requests"]
    assert (payout["iban"], payout["holder_name"], payout["status"]) == (IBAN, HOLDER, "paid")
    kinds = sorted(line["kind"] for line in exported["ledger"]["items"])
    assert kinds == ["payout_request", "submission_credit"]
    assert exported["ledger"]["balance"] == {"amount_minor": 0, "currency": "EUR"}
    tokens = exported["api_tokens"]
    assert len(tokens) == 2  # one per claim the fixture made
    assert all(set(token) == {"id", "created_at", "expires_at"} for token in tokens)
    bearer = history["headers"]["Authorization"].split()[1]
    assert bearer not in response.get_data(as_text=True)
    assert [k["key"] for k in exported["idempotency_keys"]] == ["payout-1"]
    assert history["other_submission"] not in by_id


def test_brands_and_admins_export_their_profile_but_may_not_erase_here(client, make, auth_headers):
    for user in (make(UserFactory, brand_user=True), make(UserFactory, admin=True)):
        headers = auth_headers(user)
        exported = _ok(client.get("/api/v1/me/export", headers=headers))
        assert exported["profile"]["email"] == user.email
        assert exported["ledger"] is None
        assert exported["submissions"] == []
        refused = client.delete("/api/v1/me", headers=headers)
        assert refused.status_code == 403
        assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_erasure_leaves_nothing_personal_in_any_table_or_the_photo_store(app, client, db, history):
    worker, headers = history["worker"], history["headers"]
    digests = [hashlib.sha256(photo).hexdigest() for photo in history["photos"]]
    # The original and the brand copy.
    assert any(d in name for d in digests for name in stored_contents(app))
    with db.transaction(write=False) as session:
        ledger_rows = session.scalar(select(func.count(LedgerEntry.id)))

    needles = [EMAIL, NAME, IBAN, HOLDER, *digests]
    needles += [str(c) for c in (*HERE, *THERE)]
    before = " ".join(text for _, text in _stored_values(db))
    assert all(needle in before for needle in needles)  # the scan finds what is there

    erased = _ok(client.delete("/api/v1/me", headers=headers))
    assert erased["id"] == worker.id
    assert (erased["submissions"], erased["photos"], erased["appeals"]) == (2, 2, 1)
    assert erased["files_deleted"] == 3  # two photos, one brand copy
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    login = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 401

    for table, text in _stored_values(db):
        for needle in needles:
            assert needle not in text, f"{needle!r} left in {table}: {text[:200]}"
    files = stored_contents(app)
    for name, content in files.items():
        assert not any(d in name for d in digests), name
        assert content not in history["photos"], name
    assert hashlib.sha256(history["other_photo"]).hexdigest() in " ".join(files)
    gone = client.get(f"/api/v1/photos/{history['photo_id']}", headers=history["brand"])
    assert gone.status_code == 404  # not a 500 for the file that is no longer there
    assert gone.json["code"] == "photo_erased"

    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count(LedgerEntry.id))) == ledger_rows
        account = f"worker:{worker.id}"
        assert session.scalar(select(func.count()).where(LedgerEntry.account == account)) == 2
        row = session.get_one(type(worker), worker.id)
        assert (row.email, row.display_name) == (f"erased-{worker.id}@invalid", "erased")
        assert row.erased_at is not None
        (appeal,) = session.scalars(select(Appeal).where(Appeal.worker_id == worker.id))
        assert appeal.message == "erased"
        (payout,) = session.scalars(
            select(PayoutRequest).where(PayoutRequest.worker_id == worker.id)
        )
        assert (payout.iban, payout.holder_name, payout.amount_minor) == ("ERASED", "ERASED", 600)
        other = session.get_one(Submission, history["other_submission"])
        assert (other.latitude, other.longitude) == ELSEWHERE  # someone else's: untouched
        photos = session.scalars(
            select(Photo).join(Submission).where(Submission.worker_id == worker.id)
        ).all()
        assert [p.phash for p in photos] == [None, None]


def test_erasure_waits_until_the_worker_is_paid(client, db, make, auth_headers, claim, app):
    claimed = claim()
    _send(app, client, db, claimed, HERE, seed=61)
    refused = client.delete("/api/v1/me", headers=claimed.headers)
    assert refused.status_code == 409
    assert refused.json["code"] == "balance_outstanding"
    assert refused.json["balance"] == {"amount_minor": 600, "currency": "EUR"}
    assert "payout" in refused.json["detail"]
    _ok(
        client.post(
            "/api/v1/me/payout-requests",
            json={"iban": IBAN, "holder_name": HOLDER},
            headers=claimed.headers,
        ),
        201,
    )
    pending = client.delete("/api/v1/me", headers=claimed.headers)
    assert pending.status_code == 409
    assert pending.json["unpaid_payout_requests"] == 1
    admin = auth_headers(make(UserFactory, admin=True))
    batch = _ok(client.post("/api/v1/payout-batches", headers=admin), 201)
    _ok(client.post(f"/api/v1/payout-batches/{batch['id']}/mark-paid", headers=admin))
    _ok(client.delete("/api/v1/me", headers=claimed.headers))


def test_erasure_waits_for_decisions_and_releases_claims(app, client, db, claim):
    waiting = claim(review_required=True)
    _send(app, client, db, waiting, HERE, seed=71)
    held = claim(worker=waiting.worker)
    refused = client.delete("/api/v1/me", headers=waiting.headers)
    assert refused.status_code == 409
    assert refused.json["code"] == "submissions_pending"

    fresh = claim()
    _ok(client.delete("/api/v1/me", headers=fresh.headers))
    with db.transaction(write=False) as session:
        assert session.get_one(Assignment, fresh.assignment_id).status == "released"
        assert session.get_one(Mission, fresh.mission_id).status == "open"
        assert session.get_one(Assignment, held.assignment_id).status == "active"


def test_a_photo_someone_else_also_sent_stays_in_the_store(app, client, db, claim):
    original = claim()
    first, photo = _send(app, client, db, original, HERE, seed=81)
    copier = claim()
    copied, _ = _send(app, client, db, copier, HERE, seed=81, photo=photo)
    with db.transaction(write=False) as session:
        assert session.get_one(Submission, copied).status == "rejected"  # reused photo
    erased = _ok(client.delete("/api/v1/me", headers=copier.headers))
    assert erased["files_deleted"] == 0
    digest = hashlib.sha256(photo).hexdigest()
    assert digest in " ".join(stored_contents(app))
    kept = _ok(client.get(f"/api/v1/submissions/{first}", headers=original.headers))
    image = client.get(kept["photos"][0]["url"], headers=original.headers)
    assert image.data == photo  # the original's evidence is still whole


def test_a_paid_batch_naming_an_erased_worker_is_not_exported_again(
    client, make, auth_headers, history
):
    admin = auth_headers(make(UserFactory, role="admin"))
    (batch,) = _ok(client.get("/api/v1/payout-batches", headers=admin))["items"]
    sepa = f"/api/v1/payout-batches/{batch['id']}/sepa.xml"
    assert client.get(sepa, headers=admin).status_code == 200
    _ok(client.delete("/api/v1/me", headers=history["headers"]))
    again = client.get(sepa, headers=admin)
    assert again.status_code == 410  # not a 500 on the IBAN that is no longer there
    assert again.json["code"] == "payee_erased"


def test_a_final_payout_keeps_only_its_bank_details_and_only_until_paid(
    app, client, db, make, auth_headers, claim
):
    worker = make(UserFactory, email=EMAIL, display_name=NAME)
    claimed = claim(worker=worker)
    _, photo = _send(app, client, db, claimed, HERE, seed=91)
    final = client.post(
        "/api/v1/me/payout-requests",
        json={"iban": IBAN, "holder_name": HOLDER, "final": True},
        headers=claimed.headers | {"Idempotency-Key": "leaving"},
    )
    assert _ok(final, 201)["final"] is True
    (exported,) = _ok(client.get("/api/v1/me/export", headers=claimed.headers))["payout_requests"]
    assert (exported["iban"], exported["final"], exported["status"]) == (IBAN, True, "pending")

    erased = _ok(client.delete("/api/v1/me", headers=claimed.headers))
    assert (erased["payout_requests"], erased["payout_requests_kept"]) == (0, 1)
    gone = [EMAIL, NAME, hashlib.sha256(photo).hexdigest(), *(str(c) for c in HERE)]
    for table, text in _stored_values(db):
        for needle in gone:
            assert needle not in text, f"{needle!r} left in {table}: {text[:200]}"
        if IBAN in text or HOLDER in text:
            # The documented exception: the final request's own row, until it is paid.
            assert table == "payout_requests", f"bank details left in {table}: {text[:200]}"
    kept = [text for table, text in _stored_values(db) if text in (IBAN, HOLDER)]
    assert sorted(kept) == sorted([IBAN, HOLDER])

    admin = auth_headers(make(UserFactory, role="admin"))
    batch = _ok(client.post("/api/v1/payout-batches", headers=admin), 201)
    sepa = client.get(f"/api/v1/payout-batches/{batch['id']}/sepa.xml", headers=admin)
    assert sepa.status_code == 200, sepa.json
    assert IBAN in sepa.get_data(as_text=True)
    _ok(client.post(f"/api/v1/payout-batches/{batch['id']}/mark-paid", headers=admin))
    for table, text in _stored_values(db):
        for needle in [*gone, IBAN, HOLDER]:
            assert needle not in text, f"{needle!r} left in {table} once paid: {text[:200]}"
