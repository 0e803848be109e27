"""A bench-only WSGI app: the claim's conditional UPDATE and nothing around it.

Served by gunicorn as the API is (same config file, same workers, same database engine
settings), it answers POST /api/v1/missions/<id>/claim by finding the bearer token's worker,
then, in one write transaction, the API's own conditional UPDATE and the assignment's
INSERT. No framework, idempotency, claim cap, closing check, travel window, schema or log
line: claims/s through the full endpoint over this one is what all that costs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from backend import create_app
from backend.accounts.models import ApiToken
from backend.accounts.rules import token_digest
from backend.kernel.ids import new_id
from backend.marketplace.service import _TAKE_OPEN_MISSION  # the API's own statement
from backend.missions.models import Assignment

PATH = re.compile(r"^/api/v1/missions/([0-9a-f-]{36})/claim$")
HOLD = timedelta(hours=2)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _answer(start: StartResponse, status: str, body: dict[str, Any]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def create() -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    """The WSGI callable, on the database the FAIRFIELD_* settings name (engine built as the
    API builds it)."""
    db = create_app().extensions["fairfield.db"]
    by_token = select(ApiToken.user_id)

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        found = PATH.match(environ.get("PATH_INFO", ""))
        if environ["REQUEST_METHOD"] != "POST" or found is None:
            return _answer(start, "404 Not Found", {"code": "not_found"})
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        now = datetime.now(UTC)
        with db.transaction() as session:
            connection = session.connection()
            worker_id = connection.execute(
                by_token.where(
                    ApiToken.token_hash == token_digest(token), ApiToken.expires_at > now
                )
            ).scalar()
            if worker_id is None:
                return _answer(start, "401 Unauthorized", {"code": "unauthorized"})
            params = {"mission_id": found[1], "now": now, "worker_id": worker_id}
            if connection.execute(_TAKE_OPEN_MISSION, params).first() is None:
                return _answer(start, "409 Conflict", {"code": "mission_unavailable"})
            assignment_id = new_id()
            connection.execute(
                insert(Assignment),
                {
                    "id": assignment_id,
                    "mission_id": found[1],
                    "worker_id": worker_id,
                    "status": "active",
                    "created_at": now,
                    "expires_at": now + HOLD,
                },
            )
        return _answer(start, "201 Created", {"assignment_id": assignment_id})

    return app
