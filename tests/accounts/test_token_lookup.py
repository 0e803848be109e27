"""The bearer token is read fresh on every request (one statement, no cache): whatever
changed since the last request counts on the very next one, on reads and on writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from backend.accounts import auth, rules
from backend.accounts.models import ApiToken, User
from backend.db import request_session
from backend.kernel.clock import utcnow
from tests.support.factories import MissionFactory, UserFactory
from tests.support.statements import statements

BRUSSELS = (50.8467, 4.3525)
NEARBY = {"latitude": BRUSSELS[0], "longitude": BRUSSELS[1], "radius_m": 5000}


def _set(db, model, row_id, **values):
    with db.transaction() as session:
        session.execute(update(model).where(model.id == row_id).values(**values))


def _nearby(client, headers):
    return client.get("/api/v1/missions/nearby", headers=headers, query_string=NEARBY)


def _claim(client, mission_id, headers):
    return client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)


def test_a_changed_role_a_removal_and_an_expiry_count_on_the_next_request(
    client, db, make, auth_headers
):
    worker = make(UserFactory)
    headers = auth_headers(worker)
    mission = make(MissionFactory, at=BRUSSELS).id
    assert _nearby(client, headers).status_code == 200
    _set(db, User, worker.id, role="admin")
    assert _claim(client, mission, headers).status_code == 403  # claims are the workers'
    assert _nearby(client, headers).status_code == 200  # admins may look
    _set(db, User, worker.id, role="worker")
    _set(db, User, worker.id, removed_at=datetime.now(UTC))
    assert _nearby(client, headers).status_code == 401
    assert _claim(client, mission, headers).status_code == 401
    _set(db, User, worker.id, removed_at=None)
    assert _claim(client, mission, headers | {"Idempotency-Key": "k1"}).status_code == 201
    with db.transaction() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == worker.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert _nearby(client, headers).status_code == 401
    assert _claim(client, mission, headers | {"Idempotency-Key": "k1"}).status_code == 401


def test_the_user_and_their_brand_come_from_the_token_statement_alone(
    client, db, make, auth_headers
):
    member = make(UserFactory, brand_user=True)
    headers = auth_headers(member)
    with statements(db) as sent:
        me = client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json["organisation"]["name"] == member.brand.name
    # The brand is joined into the token's statement: no statement reads it again.
    assert [s for s in sent if "FROM brands" in s] == []


def test_a_view_changing_the_user_writes_it_as_before(client, db, make, auth_headers):
    worker = make(UserFactory)
    headers = auth_headers(worker)
    answer = client.patch("/api/v1/me", headers=headers, json={"display_name": "Renamed"})
    assert answer.status_code == 200
    assert client.get("/api/v1/me", headers=headers).json["display_name"] == "Renamed"


def test_the_driver_cursors_row_is_the_core_statements_row(app, db, make, auth_headers):
    """The token's statement runs on the driver's own cursor (auth._token_lookup): its row
    holds what SQLAlchemy's execution of the same statement holds, value and type alike
    (aware datetimes, booleans, a brand's columns, NULLs)."""
    member = make(UserFactory, brand_user=True)
    worker = make(UserFactory, unverified=True)
    _set(db, User, worker.id, notify_by_email=False, erased_at=datetime.now(UTC))
    for user in (member, worker):
        token = auth_headers(user)["Authorization"].removeprefix("Bearer ")
        params = {"token_hash": rules.token_digest(token), "now": utcnow()}
        with app.test_request_context("/api/v1/me"):
            session = request_session()
            core = session.connection().execute(auth._USER_FOR_TOKEN, params).one()
            ours = auth._token_lookup(session, params)
            assert tuple(ours) == tuple(core)
            assert [type(v) for v in ours] == [type(v) for v in core]
            assert ours._fields == tuple(core._fields)
            expired = params | {"now": utcnow() + timedelta(days=3650)}
            assert auth._token_lookup(session, expired) is None
