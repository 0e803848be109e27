"""The per-request floor: what a claim and a read send to the database, statement by statement."""

from __future__ import annotations

import pytest

from tests.support.factories import MissionFactory, UserFactory
from tests.support.statements import statements

BRUSSELS = (50.8467, 4.3525)


def _claim(client, mission_id, headers):
    return client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)


def test_a_refused_claim_sends_nothing_after_its_update(client, db, make, auth_headers):
    mission = make(MissionFactory, at=BRUSSELS).id
    assert _claim(client, mission, auth_headers(make(UserFactory))).status_code == 201
    with statements(db) as sent:
        refused = _claim(client, mission, auth_headers(make(UserFactory)))
    assert (refused.status_code, refused.json["code"]) == (409, "mission_unavailable")
    after = sent[[s.lstrip().startswith("UPDATE missions") for s in sent].index(True) + 1 :]
    # Whether the mission was ever published was read before, with the cap and closing.
    assert [s for s in after if s.lstrip().upper().startswith("SELECT")] == []


def test_closing_cap_and_publication_are_read_in_one_statement(client, db, make, auth_headers):
    # (The refusals themselves: test_claims.py for the cap, payouts/test_final.py for closing.)
    mission = make(MissionFactory, at=BRUSSELS).id
    with statements(db) as sent:
        assert _claim(client, mission, auth_headers(make(UserFactory))).status_code == 201
    selects = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    reads = [s for s in selects if "payout_requests" in s or "FROM assignments" in s]
    assert len(reads) == 1, reads
    assert "campaigns.published_at" in reads[0]


def test_a_read_only_request_on_sqlite_begins_no_transaction(
    client, db, make, auth_headers, backend_name
):
    if backend_name != "sqlite":
        pytest.skip("PostgreSQL's read-only requests run in autocommit already (no BEGIN sent)")
    make(MissionFactory, at=BRUSSELS)
    headers = auth_headers(make(UserFactory))
    query = {"latitude": BRUSSELS[0], "longitude": BRUSSELS[1], "radius_m": 5000}
    with statements(db) as sent:
        assert client.get("/api/v1/missions/nearby", headers=headers, query_string=query).json[
            "items"
        ]
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert [s for s in sent if s.split()[0].upper() in {"BEGIN", "COMMIT"}] == []
    # A write still takes SQLite's write lock from its first statement.
    with statements(db) as sent:
        renamed = client.patch("/api/v1/me", headers=headers, json={"display_name": "Ana"})
    assert renamed.status_code == 200
    assert "BEGIN IMMEDIATE" in sent
