"""Idempotency-Key on claims: a replay gets the first response; another body is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.idempotency.service import lock_key
from backend.missions.models import Assignment
from tests.support.factories import MissionFactory, UserFactory

BRUSSELS = (50.8467, 4.3525)


def test_replayed_claim_returns_the_first_response(client, db, make, auth_headers):
    first, second = (make(MissionFactory, at=BRUSSELS).id for _ in range(2))
    headers = auth_headers(make(UserFactory)) | {"Idempotency-Key": "claim-abc-1"}
    original = client.post(f"/api/v1/missions/{first}/claim", headers=headers)
    assert original.status_code == 201
    replay = client.post(f"/api/v1/missions/{first}/claim", headers=headers)
    assert replay.status_code == 201
    assert replay.json == original.json
    assert replay.headers["Idempotent-Replayed"] == "true"
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1

    other = client.post(f"/api/v1/missions/{second}/claim", headers=headers)
    assert other.status_code == 422
    assert other.json["code"] == "idempotency_conflict"
    assert "Idempotency-Key" in other.json["errors"]


def test_keys_belong_to_their_user_and_failures_are_not_stored(client, db, make, auth_headers):
    mission = make(MissionFactory, at=BRUSSELS).id
    ana = auth_headers(make(UserFactory)) | {"Idempotency-Key": "same-key"}
    bram = auth_headers(make(UserFactory)) | {"Idempotency-Key": "same-key"}
    assert client.post(f"/api/v1/missions/{mission}/claim", headers=ana).status_code == 201
    # Bram's key is his own: he gets his own (failed) answer, not Ana's success.
    refused = client.post(f"/api/v1/missions/{mission}/claim", headers=bram)
    assert (refused.status_code, refused.json["code"]) == (409, "mission_unavailable")
    bad = client.post(
        f"/api/v1/missions/{mission}/claim", headers=bram | {"Idempotency-Key": "x" * 300}
    )
    assert bad.status_code == 422


def test_a_replay_while_the_first_is_in_flight_answers_409(
    client, db, make, auth_headers, backend_name
):
    if backend_name != "postgresql":
        pytest.skip("SQLite runs write requests one at a time: a replay waits, then replays")
    mission = make(MissionFactory, at=BRUSSELS).id
    worker = make(UserFactory)
    headers = auth_headers(worker) | {"Idempotency-Key": "in-flight-1"}
    # The first request holds the key's lock in its open transaction, as a slow one would.
    with db.transaction() as first:
        lock_key(first, worker.id, "in-flight-1")
        replay = client.post(f"/api/v1/missions/{mission}/claim", headers=headers)
        assert (replay.status_code, replay.json["code"]) == (409, "idempotency_in_flight")
    # Once the first is done (here: it failed and left nothing), the key works again.
    retried = client.post(f"/api/v1/missions/{mission}/claim", headers=headers)
    assert retried.status_code == 201
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 1
