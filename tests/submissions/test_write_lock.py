"""Photos are stored before the write transaction begins, never under SQLite's write lock."""

from __future__ import annotations

import pytest

from backend.storage import LocalPhotoStore
from tests.support.locks import probe_write_lock
from tests.support.photos import jpeg, shelf
from tests.support.submitting import honest_payload, submit


def test_a_submission_stores_its_photos_without_the_write_lock(
    app, client, claim, backend_name, monkeypatch
):
    if backend_name != "sqlite":
        pytest.skip("one writer at a time is SQLite's; PostgreSQL locks rows")
    stored = probe_write_lock(monkeypatch, LocalPhotoStore, "put", app.config["DATABASE_URL"])
    response = submit(client, claim(), [jpeg(shelf(seed=1)), jpeg(shelf(seed=2))])
    assert response.status_code == 202, response.json
    assert stored == [True, True]


def test_with_an_idempotency_key_too_and_a_retry_is_replayed(
    app, client, claim, backend_name, monkeypatch
):
    if backend_name != "sqlite":
        pytest.skip("one writer at a time is SQLite's; PostgreSQL locks rows")
    stored = probe_write_lock(monkeypatch, LocalPhotoStore, "put", app.config["DATABASE_URL"])
    claimed, photos, payload = claim(), [jpeg(shelf(seed=1))], honest_payload()
    first = submit(client, claimed, photos, payload, key="phone-42")
    assert first.status_code == 202, first.json
    again = submit(client, claimed, photos, payload, key="phone-42")
    assert (again.status_code, again.json) == (202, first.json)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert stored == [True]  # the retry stored nothing: it was answered from the key
