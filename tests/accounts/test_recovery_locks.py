"""A reset or a change of password hashes (and checks the old one) without SQLite's write
lock, as sign-up and sign-in do."""

from __future__ import annotations

import pytest

from tests.support.factories import PASSWORD, UserFactory
from tests.support.locks import probe_write_lock
from tests.support.mail import mailed_reset_token


@pytest.fixture
def probes(app, backend_name, monkeypatch):
    if backend_name != "sqlite":
        pytest.skip("one writer at a time is SQLite's; PostgreSQL locks rows")
    hasher = type(app.extensions["fairfield.hasher"])
    url = app.config["DATABASE_URL"]
    return {
        "hash": probe_write_lock(monkeypatch, hasher, "hash", url),
        "verify": probe_write_lock(monkeypatch, hasher, "verify", url),
    }


def test_reset_and_change_of_password_hash_without_the_write_lock(
    app, client, db, make, auth_headers, probes
):
    user = make(UserFactory, email="w@example.com")
    token = mailed_reset_token(app, db, client, "w@example.com")
    probes["hash"].clear()
    reset = client.post(
        "/api/v1/auth/password-reset/confirm",
        json={"token": token, "password": "a long enough passphrase 42"},
    )
    assert reset.status_code == 204
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": "a long enough passphrase 42", "new_password": PASSWORD},
        headers=auth_headers(user),
    )
    assert changed.status_code == 204
    assert probes["hash"] == [True, True]
    assert probes["verify"] == [True]
