"""Idempotency-Key on SQLite: the key is looked up without the write lock, then again once the
view holds it, so a retry that overtook the first request is still answered by the first."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.idempotency import service
from backend.missions.models import Assignment
from tests.support.factories import MissionFactory, UserFactory

BRUSSELS = (50.8467, 4.3525)


def test_a_retry_that_missed_the_key_at_first_is_replayed_once_it_holds_the_lock(
    client, db, make, auth_headers, backend_name, monkeypatch
):
    if backend_name != "sqlite":
        pytest.skip("PostgreSQL takes the key's advisory lock before the view")
    mission = make(MissionFactory, at=BRUSSELS).id
    headers = auth_headers(make(UserFactory)) | {"Idempotency-Key": "claim-1"}
    first = client.post(f"/api/v1/missions/{mission}/claim", headers=headers)
    assert first.status_code == 201
    # The retry read its snapshot while the first was still running: no key yet.
    lookups = []
    real = service._stored_apart

    def first_lookup_misses(user_id, key):
        lookups.append(key)
        return None if len(lookups) == 1 else real(user_id, key)

    monkeypatch.setattr(service, "_stored_apart", first_lookup_misses)
    retry = client.post(f"/api/v1/missions/{mission}/claim", headers=headers)
    assert (retry.status_code, retry.json) == (201, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert len(lookups) == 2
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1
