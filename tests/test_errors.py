"""Every error is problem+json with a stable code: framework errors, domain errors, crashes."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"
KEYS = {"type", "title", "status", "detail", "code", "errors"}


def assert_problem(response, status, code):
    assert response.status_code == status
    assert response.content_type == PROBLEM
    assert set(response.json) >= KEYS
    assert response.json["status"] == status
    assert response.json["code"] == code
    return response.json


def test_malformed_json_names_the_body(client):
    response = client.post("/api/v1/auth/token", data='{"email": ', content_type="application/json")
    body = assert_problem(response, 400, "bad_request")
    assert body["errors"] == {"body": ["Invalid JSON body."]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": 5, "password": "x"}, "email"),
        ({"email": "a@b.io"}, "password"),
        ({"email": "a@b.io", "password": ["x"]}, "password"),
        ([1, 2], "body"),
        ("just a string", "body"),
    ],
)
def test_wrong_types_and_missing_fields_name_the_field(client, payload, field):
    response = client.post("/api/v1/auth/token", json=payload)
    body = assert_problem(response, 422, "validation_error")
    assert field in body["errors"]


def test_unknown_route_is_404_problem(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/api/v1/me")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_413(app_config):
    from backend import create_app

    app = create_app(app_config | {"MAX_BODY_BYTES": 1024})
    response = app.test_client().post(
        "/api/v1/auth/register", data="x" * 4096, content_type="application/json"
    )
    assert_problem(response, 413, "payload_too_large")
    app.extensions["fairfield.db"].engine.dispose()


def test_unexpected_exception_is_500_problem_without_internals(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert body["errors"] == {}


def test_domain_error_keeps_its_code(client):
    client.post(
        "/api/v1/auth/register",
        json={"email": "a@b.io", "password": "0123456789", "role": "worker", "display_name": "A"},
    )
    response = client.post(
        "/api/v1/auth/register",
        json={"email": "a@b.io", "password": "0123456789", "role": "worker", "display_name": "A"},
    )
    body = assert_problem(response, 409, "email_taken")
    assert body["errors"] == {"email": ["Already registered."]}


def test_failed_request_writes_nothing(client, db):
    from sqlalchemy import func, select

    from backend.accounts.models import Brand, User

    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": "a@b.io",
            "password": "a@b.io",
            "role": "brand",
            "display_name": "A",
            "brand_name": "Half Done",
        },
    )
    assert response.status_code == 422
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(Brand)) == 0


def test_nul_characters_are_refused_naming_the_field(client, make, auth_headers):
    from tests.support.factories import UserFactory

    response = client.post("/api/v1/auth/token", json={"email": "a\x00@b.io", "password": "x"})
    body = assert_problem(response, 422, "validation_error")
    assert list(body["errors"]) == ["email"]
    response = client.post(
        "/api/v1/auth/token",
        data='{"email": "\\ud800", "password": "x"}',
        content_type="application/json",
    )
    assert assert_problem(response, 422, "validation_error")["errors"].keys() == {"email"}
    admin = auth_headers(make(UserFactory, admin=True))
    response = client.get("/api/v1/admin/pipeline-checks/ab%00cd", headers=admin)
    assert_problem(response, 422, "validation_error")
    response = client.get("/api/v1/me?x=%00", headers=admin)
    assert_problem(response, 422, "validation_error")
