"""Password hashing never runs while a request holds SQLite's write lock (issue 13, point 6)."""

from __future__ import annotations

import pytest

from tests.support.locks import probe_write_lock

PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def probes(app, backend_name, monkeypatch):
    if backend_name != "sqlite":
        pytest.skip("one writer at a time is SQLite's; PostgreSQL locks rows")
    hasher = type(app.extensions["fairfield.hasher"])  # argon2's class: its instances are slotted
    url = app.config["DATABASE_URL"]
    return {
        "hash": probe_write_lock(monkeypatch, hasher, "hash", url),
        "verify": probe_write_lock(monkeypatch, hasher, "verify", url),
    }


def test_sign_up_and_login_hash_without_the_write_lock(client, probes):
    account = {"email": "w@example.com", "password": PASSWORD}
    signed_up = client.post(
        "/api/v1/auth/register", json=account | {"role": "worker", "display_name": "W"}
    )
    assert signed_up.status_code == 201
    assert client.post("/api/v1/auth/token", json=account).status_code == 200
    wrong = account | {"password": "not the passphrase at all"}
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    nobody = account | {"email": "nobody@example.com"}
    assert client.post("/api/v1/auth/token", json=nobody).status_code == 401
    assert probes["hash"]
    assert len(probes["verify"]) == 3
    assert all(probes["hash"] + probes["verify"])


def test_a_rehash_at_login_is_made_without_the_write_lock(app, client, probes, monkeypatch):
    account = {"email": "w@example.com", "password": PASSWORD}
    client.post("/api/v1/auth/register", json=account | {"role": "worker", "display_name": "W"})
    hasher = type(app.extensions["fairfield.hasher"])
    monkeypatch.setattr(hasher, "check_needs_rehash", lambda _self, _hash: True)
    probes["hash"].clear()
    assert client.post("/api/v1/auth/token", json=account).status_code == 200
    assert probes["hash"] == [True]


def test_create_admin_hashes_without_the_write_lock(app, probes):
    runner = app.test_cli_runner()
    for password in ("first password!", "second password!"):
        result = runner.invoke(
            args=["create-admin", "--email", "root@example.org", "--password", password]
        )
        assert result.exit_code == 0, result.output
    assert probes["hash"] == [True, True]


def test_a_password_changed_between_check_and_token_gives_no_token(app, client, db):
    from unittest import mock

    from sqlalchemy import update

    from backend.accounts import service
    from backend.accounts.models import User

    account = {"email": "w@example.com", "password": PASSWORD}
    client.post("/api/v1/auth/register", json=account | {"role": "worker", "display_name": "W"})
    checked = service.check_password
    changed = service.password_hasher  # for the hash of the new password, in the app

    def check_then_change(**kwargs):
        credentials = checked(**kwargs)
        with app.app_context(), db.transaction() as session:
            new_hash = changed().hash("another passphrase 42")
            session.execute(update(User).values(password_hash=new_hash))
        return credentials

    with mock.patch.object(service, "check_password", check_then_change):
        answer = client.post("/api/v1/auth/token", json=account)
    assert answer.status_code == 401
    assert answer.json["code"] == "invalid_credentials"
