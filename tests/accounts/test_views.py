"""Register, token, me: through HTTP, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.factories import PASSWORD, UserFactory

PROBLEM = "application/problem+json"


def register(client, **overrides):
    body = {
        "email": "ana@example.org",
        "password": "a long enough password",
        "role": "worker",
        "display_name": "Ana",
    } | overrides
    return client.post("/api/v1/auth/register", json=body)


def test_register_then_token_then_me(client):
    created = register(client)
    assert created.status_code == 201
    assert created.json["role"] == "worker"
    assert "password" not in created.json
    assert "password_hash" not in created.json

    token = client.post(
        "/api/v1/auth/token",
        json={"email": "ANA@example.org ", "password": "a long enough password"},
    )
    assert token.status_code == 200
    assert token.json["token_type"] == "Bearer"
    assert token.json["expires_in"] == 7 * 24 * 3600
    assert token.json["access_token"].startswith("ff_")

    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json['access_token']}"})
    assert me.status_code == 200
    assert me.json["email"] == "ana@example.org"
    assert me.json["id"] == created.json["id"]
    assert me.json["balance"] == {"amount_minor": 0, "currency": "EUR"}
    assert me.json["approved_missions"] == 0
    assert me.json["level"] == "starter"


def test_me_shows_a_worker_balance_and_level_from_the_ledger(client, db, make, auth_headers):
    from tests.support.ledger import REWARD, make_world

    world = make_world(db, make)
    for _ in range(2):
        world.approve()
    world.request_payout(100)
    me = client.get("/api/v1/me", headers=auth_headers(world.worker)).json
    assert me["balance"] == {"amount_minor": 2 * REWARD - 100, "currency": "EUR"}
    assert me["approved_missions"] == 2
    assert me["level"] == "bronze"
    assert me["role"] == "worker"


def test_me_has_no_balance_or_level_for_brands_and_admins(client, make, auth_headers):
    for user in (make(UserFactory, brand_user=True), make(UserFactory, admin=True)):
        me = client.get("/api/v1/me", headers=auth_headers(user)).json
        assert me["email"] == user.email
        assert me["balance"] is None
        assert me["approved_missions"] is None
        assert me["level"] is None
    brand = client.get("/api/v1/me", headers=auth_headers(make(UserFactory, brand_user=True)))
    assert brand.json["brand"]["name"].startswith("Brand ")


def test_brand_registration_creates_its_brand(client):
    created = register(client, role="brand", brand_name="Acme Water", email="b@acme.example")
    assert created.status_code == 201
    assert created.json["brand"]["name"] == "Acme Water"
    again = register(client, role="brand", brand_name="Acme Water", email="c@acme.example")
    assert again.status_code == 409
    assert again.json["code"] == "brand_exists"
    assert again.json["errors"] == {"brand_name": ["Already registered."]}


def test_register_refuses_admin_and_bad_fields(client):
    response = register(client, role="admin")
    assert response.status_code == 422
    assert "role" in response.json["errors"]
    response = register(client, password="short", email="not-an-email")
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"password", "email"}
    response = register(client, role="brand")
    assert response.status_code == 422
    assert "brand_name" in response.json["errors"]


def test_register_duplicate_email_is_409(client):
    assert register(client).status_code == 201
    response = register(client, email="Ana@Example.org")
    assert response.status_code == 409
    assert response.json["code"] == "email_taken"


def test_unknown_fields_are_refused_not_applied(client):
    response = register(client, is_admin=True, brand_id="x")
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"is_admin", "brand_id"}


def test_wrong_password_and_unknown_email_are_401_alike(client, make):
    make(UserFactory, email="w@example.org")
    wrong = client.post("/api/v1/auth/token", json={"email": "w@example.org", "password": "nope"})
    unknown = client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "n"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.content_type == PROBLEM
        assert response.json["code"] == "invalid_credentials"
    assert wrong.json["detail"] == unknown.json["detail"]


def test_expired_token_is_401(client, make, auth_headers):
    user = make(UserFactory)
    expired = auth_headers(user, expires_at=datetime.now(UTC) - timedelta(seconds=1))
    response = client.get("/api/v1/me", headers=expired)
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    assert client.get("/api/v1/me", headers=auth_headers(user)).status_code == 200


def test_garbage_and_missing_tokens_are_401(client):
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer ff_forged"})
    assert response.status_code == 401
    assert response.json["code"] == "unauthorized"


def test_roles_guard_admin_endpoints(client, make, auth_headers):
    worker = make(UserFactory)
    brand = make(UserFactory, brand_user=True)
    admin = make(UserFactory, admin=True)
    for user in (worker, brand):
        response = client.post("/api/v1/admin/pipeline-checks", headers=auth_headers(user))
        assert response.status_code == 403
        assert response.content_type == PROBLEM
    response = client.post("/api/v1/admin/pipeline-checks", headers=auth_headers(admin))
    assert response.status_code == 202


def test_login_is_rate_limited(app_config, redis_url):
    from backend import create_app

    app = create_app(app_config | {"LOGIN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [
        client.post("/api/v1/auth/token", json={"email": "a@b.io", "password": "x"}).status_code
        for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]
    limited = client.post("/api/v1/auth/token", json={"email": "a@b.io", "password": "x"})
    assert limited.content_type == PROBLEM
    assert limited.json["code"] == "rate_limited"
    app.extensions["fairfield.db"].engine.dispose()


def test_rate_limits_can_be_switched_off(app_config):
    from backend import create_app

    app = create_app(app_config | {"LOGIN_RATE_LIMIT": "1 per minute", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    statuses = {
        client.post("/api/v1/auth/token", json={"email": "a@b.io", "password": "x"}).status_code
        for _ in range(4)
    }
    assert statuses == {401}
    app.extensions["fairfield.db"].engine.dispose()


def test_password_is_stored_as_argon2(client, db):
    from sqlalchemy import select

    from backend.accounts.models import User

    register(client)
    with db.transaction(write=False) as session:
        stored = session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_sign_up_is_rate_limited_per_client_address(request, app_config):
    import redis

    redis.Redis.from_url(app_config["BROKER_URL"]).flushdb()  # no count left by another test
    app_config.update({"REGISTER_RATE_LIMIT": "3 per hour"})
    # The suite's app, so its database is emptied after: the sign-ups' confirmation mails
    # must not wait in the outbox for the next test's mail run.
    app = request.getfixturevalue("app")
    client = app.test_client()
    statuses = [register(client, email=f"ana{n}@example.org").status_code for n in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = register(client, email="ana9@example.org")
    assert limited.content_type == PROBLEM
    assert limited.json["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert register(elsewhere, email="bo@example.org").status_code == 201
