"""Recoverable accounts through HTTP: a forgotten password reset by mail, the address
verified, the password changed, the profile edited; tokens single use and expiring."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from backend.accounts.models import AccountToken, User
from backend.kernel.clock import utcnow
from backend.mail.models import MailMessage
from tests.support.factories import PASSWORD, UserFactory
from tests.support.mail import mailed_reset_token, parts, read_eml, run_mail, token_in

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
VERIFY = "/api/v1/auth/verify-email"
NEW_PASSWORD = "a brand new passphrase"


def sign_in(client, email, password):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def reset_token(app, db, client, email):
    return mailed_reset_token(app, db, client, email)


def test_a_reset_mail_sets_a_new_password_and_ends_every_session(
    app, client, db, make, auth_headers
):
    ana = make(UserFactory, email="ana@example.org", display_name="Ana")
    phone, laptop = auth_headers(ana), auth_headers(ana)
    asked = client.post(RESET, json={"email": "ANA@Example.org"})
    assert asked.status_code == 202
    run_mail(app, db)
    (message,) = read_eml(app)
    assert message["Subject"] == "Reset your Fairfield password"
    text, html = parts(message)
    assert "works once, for 1 hour" in text
    token = token_in(message, "/reset-password")
    assert f"http://127.0.0.1:8000/reset-password?token={token}" in html

    done = client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204, done.json
    for headers in (phone, laptop):
        assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert sign_in(client, "ana@example.org", PASSWORD).status_code == 401
    assert sign_in(client, "ana@example.org", NEW_PASSWORD).status_code == 200

    again = client.post(CONFIRM, json={"token": token, "password": "yet another passphrase"})
    assert again.status_code == 422
    assert again.json["code"] == "invalid_token"
    assert list(again.json["errors"]) == ["token"]
    assert sign_in(client, "ana@example.org", NEW_PASSWORD).status_code == 200


def test_used_expired_and_unknown_tokens_get_one_answer(app, client, db, make):
    make(UserFactory, email="bo@example.org")
    used = reset_token(app, db, client, "bo@example.org")
    assert client.post(CONFIRM, json={"token": used, "password": NEW_PASSWORD}).status_code == 204
    expired = reset_token(app, db, client, "bo@example.org")
    with db.transaction() as session:
        session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))

    answers = [
        client.post(CONFIRM, json={"token": token, "password": "yet another passphrase"})
        for token in (used, expired, "not-a-token-at-all")
    ]
    assert {a.status_code for a in answers} == {422}
    assert answers[0].json == answers[1].json == answers[2].json
    assert answers[0].json["errors"] == {"token": ["Invalid or expired. Ask for a new link."]}
    assert sign_in(client, "bo@example.org", NEW_PASSWORD).status_code == 200


def test_a_refused_new_password_leaves_the_token_usable(app, client, db, make):
    make(UserFactory, email="cy@example.org")
    token = reset_token(app, db, client, "cy@example.org")
    short = client.post(CONFIRM, json={"token": token, "password": "short"})
    assert short.status_code == 422
    assert list(short.json["errors"]) == ["password"]
    same_as_email = client.post(CONFIRM, json={"token": token, "password": "cy@example.org"})
    assert same_as_email.status_code == 422
    assert list(same_as_email.json["errors"]) == ["password"]
    ok = client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD})
    assert ok.status_code == 204


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, client, db, make):
    make(UserFactory, email="dee@example.org")
    known = client.post(RESET, json={"email": "dee@example.org"})
    unknown = client.post(RESET, json={"email": "nobody@example.org"})
    assert (known.status_code, known.get_data()) == (unknown.status_code, unknown.get_data())
    assert known.headers["Content-Type"] == unknown.headers["Content-Type"]
    assert sorted(run_mail(app, db)) == ["cancelled", "sent"]
    assert [m["To"] for m in read_eml(app)] == ["dee@example.org"]


def test_a_malformed_address_is_422_naming_email(client):
    refused = client.post(RESET, json={"email": "not an address"})
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["email"]


def test_reset_requests_are_rate_limited_per_address(app_config):
    from backend import create_app

    app = create_app(app_config | {"LOGIN_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    statuses = [
        client.post(RESET, json={"email": "flood@example.org"}).status_code for _ in range(3)
    ]
    assert statuses == [202, 202, 429]
    app.extensions["fairfield.db"].engine.dispose()


def test_a_new_account_verifies_its_address_with_the_mailed_link(app, client, db):
    created = client.post(
        "/api/v1/auth/register",
        json={
            "email": "eve@example.org",
            "password": "a long enough password",
            "role": "worker",
            "display_name": "Eve",
        },
    )
    assert created.status_code == 201
    assert (created.json["email_verified"], created.json["locale"]) == (False, "en")
    token = sign_in(client, "eve@example.org", "a long enough password").json["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/me", headers=headers).json
    assert (me["email_verified"], me["locale"]) == (False, "en")

    run_mail(app, db)
    link_token = token_in(read_eml(app)[0], "/verify-email")
    assert client.post(VERIFY, json={"token": link_token}).status_code == 204
    assert client.get("/api/v1/me", headers=headers).json["email_verified"] is True
    again = client.post(VERIFY, json={"token": link_token})
    assert (again.status_code, again.json["code"]) == (422, "invalid_token")
    # A reset token is no verification token, nor the other way round.
    reset = reset_token(app, db, client, "eve@example.org")
    assert client.post(VERIFY, json={"token": reset}).status_code == 422


def test_the_verification_mail_is_sent_again_on_demand_and_never_when_verified(
    app, client, db, make, auth_headers
):
    fay = make(UserFactory, unverified=True, email="fay@example.org")
    for _ in range(2):
        asked = client.post("/api/v1/me/verification-email", headers=auth_headers(fay))
        assert asked.status_code == 202
    assert run_mail(app, db) == ["sent", "sent"]
    first, second = (token_in(m, "/verify-email") for m in read_eml(app))
    assert first != second
    assert client.post(VERIFY, json={"token": first}).status_code == 204
    assert client.post(VERIFY, json={"token": second}).status_code == 422  # used up with it

    again = client.post("/api/v1/me/verification-email", headers=auth_headers(fay))
    assert again.status_code == 202
    assert run_mail(app, db) == []  # verified: nothing queued


def test_an_unverified_worker_gets_a_payout_once_verified(app, client, db, make, auth_headers):
    from backend.ledger import rules as ledger_rules
    from backend.ledger import service as ledger

    gus = make(UserFactory, unverified=True, email="gus@example.org")
    headers = auth_headers(gus)
    with db.transaction() as session:
        ledger.fund_campaign(
            db_session=session, campaign_id="c1", amount_minor=2000, currency="EUR", now=utcnow()
        )
        ledger.post(
            db_session=session,
            kind="submission_credit",
            entries=ledger_rules.approval(
                campaign_id="c1", worker_id=gus.id, reward_minor=2000, currency="EUR"
            ),
            now=utcnow(),
        )
    body = {"iban": "DE89370400440532013000", "holder_name": "Gus"}
    refused = client.post("/api/v1/me/payout-requests", json=body, headers=headers)
    assert refused.status_code == 403
    assert refused.json["code"] == "email_unverified"
    assert "email address" in refused.json["detail"]
    assert client.get("/api/v1/me", headers=headers).json["balance"]["amount_minor"] == 2000

    client.post("/api/v1/me/verification-email", headers=headers)
    run_mail(app, db)
    token = token_in(read_eml(app)[0], "/verify-email")
    assert client.post(VERIFY, json={"token": token}).status_code == 204
    paid = client.post("/api/v1/me/payout-requests", json=body, headers=headers)
    assert paid.status_code == 201, paid.json


def test_a_reset_also_verifies_the_address(app, client, db, make):
    make(UserFactory, unverified=True, email="hal@example.org")
    token = reset_token(app, db, client, "hal@example.org")
    assert client.post(CONFIRM, json={"token": token, "password": NEW_PASSWORD}).status_code == 204
    with db.transaction(write=False) as session:
        user = session.scalar(select(User).where(User.email == "hal@example.org"))
        assert user.email_verified


def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app, client, make, auth_headers, db
):
    ivy = make(UserFactory, email="ivy@example.org")
    this, other = auth_headers(ivy), auth_headers(ivy)
    change = "/api/v1/me/password"
    wrong = client.post(
        change,
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=this,
    )
    assert (wrong.status_code, wrong.json["code"]) == (422, "wrong_password")
    assert list(wrong.json["errors"]) == ["current_password"]
    weak = client.post(
        change, json={"current_password": PASSWORD, "new_password": "short"}, headers=this
    )
    assert (weak.status_code, list(weak.json["errors"])) == (422, ["new_password"])
    assert client.get("/api/v1/me", headers=other).status_code == 200  # nothing changed yet

    pending_reset = reset_token(app, db, client, "ivy@example.org")
    done = client.post(
        change, json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}, headers=this
    )
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=this).status_code == 200
    assert client.get("/api/v1/me", headers=other).status_code == 401
    assert sign_in(client, "ivy@example.org", NEW_PASSWORD).status_code == 200
    assert sign_in(client, "ivy@example.org", PASSWORD).status_code == 401
    late = client.post(CONFIRM, json={"token": pending_reset, "password": "someone else's pw"})
    assert late.status_code == 422  # a reset link asked before the change no longer works


def test_patch_me_changes_the_name_and_the_language_of_the_mail(
    app, client, db, make, auth_headers
):
    jo = make(UserFactory, email="jo@example.org", display_name="Jo")
    headers = auth_headers(jo)
    patched = client.patch(
        "/api/v1/me", json={"display_name": "  Jo Smit ", "locale": "nl"}, headers=headers
    )
    assert patched.status_code == 200
    assert (patched.json["display_name"], patched.json["locale"]) == ("Jo Smit", "nl")
    assert patched.json == client.get("/api/v1/me", headers=headers).json  # the /me shape
    assert patched.json["balance"] == {"amount_minor": 0, "currency": "EUR"}

    unchanged = client.patch("/api/v1/me", json={}, headers=headers)
    assert (unchanged.status_code, unchanged.json["locale"]) == (200, "nl")

    reset_token(app, db, client, "jo@example.org")
    message = read_eml(app)[-1]
    assert message["Subject"] == "Stel je Fairfield-wachtwoord opnieuw in"
    assert "Hallo Jo Smit," in parts(message)[0]


def test_patch_me_refuses_bad_fields_naming_them(client, make, auth_headers):
    headers = auth_headers(make(UserFactory))
    for body, field in (
        ({"locale": "de"}, "locale"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "x" * 101}, "display_name"),
        ({"email": "new@example.org"}, "email"),
    ):
        refused = client.patch("/api/v1/me", json=body, headers=headers)
        assert refused.status_code == 422, body
        assert refused.content_type == "application/problem+json"
        assert field in refused.json["errors"], (body, refused.json)
    assert client.patch("/api/v1/me", json={"locale": "fr"}).status_code == 401


def test_a_bad_locale_at_sign_up_is_422_naming_locale(client):
    refused = client.post(
        "/api/v1/auth/register",
        json={
            "email": "kim@example.org",
            "password": "a long enough password",
            "role": "worker",
            "display_name": "Kim",
            "locale": "xx",
        },
    )
    assert (refused.status_code, list(refused.json["errors"])) == (422, ["locale"])


def test_erasure_deletes_the_mail_and_the_link_tokens(app, client, db, make, auth_headers):
    lou = make(UserFactory, unverified=True, email="lou@example.org")
    headers = auth_headers(lou)
    client.post("/api/v1/me/verification-email", headers=headers)
    client.post(RESET, json={"email": "lou@example.org"})
    run_mail(app, db)
    assert client.delete("/api/v1/me", headers=headers).status_code == 200
    with db.transaction(write=False) as session:
        assert session.scalars(select(MailMessage)).all() == []
        assert session.scalars(select(AccountToken)).all() == []


def test_expired_link_tokens_are_purged(app, client, db, make):
    from workers.accounts import purge_expired_tokens

    make(UserFactory, email="max@example.org")
    reset_token(app, db, client, "max@example.org")
    reset_token(app, db, client, "max@example.org")
    with db.transaction() as session:
        first = session.scalars(select(AccountToken.id)).first()
        session.execute(
            update(AccountToken)
            .where(AccountToken.id == first)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    with app.app_context():
        assert purge_expired_tokens.apply().get() == 1
    with db.transaction(write=False) as session:
        assert len(session.scalars(select(AccountToken)).all()) == 1


def test_two_confirms_of_one_token_at_once_change_the_password_once(app, client, db, make):
    from tests.support.payouts import at_once

    make(UserFactory, email="ned@example.org")
    token = reset_token(app, db, client, "ned@example.org")
    passwords = ("first new passphrase", "second new passphrase")
    answers = at_once(
        app, [("POST", CONFIRM, {"json": {"token": token, "password": p}}) for p in passwords]
    )
    assert sorted(a.status_code for a in answers) == [204, 422]
    won = passwords[[a.status_code for a in answers].index(204)]
    lost = passwords[[a.status_code for a in answers].index(422)]
    assert sign_in(client, "ned@example.org", won).status_code == 200
    assert sign_in(client, "ned@example.org", lost).status_code == 401
