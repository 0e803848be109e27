"""Idempotency-Key: a replay gets the first response; another body under the key is refused.

The key row is written in the request's own transaction, so it exists exactly when the
request's effect does: a request that failed leaves no key and may simply be retried.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, request
from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.orm import Session

from backend.accounts.auth import current_user
from backend.db import request_session
from backend.errors import Conflict, Invalid
from backend.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


# Built once: it runs on every keyed request (claims above all).
_STORED = select(
    IdempotencyKey.request_hash, IdempotencyKey.response_status, IdempotencyKey.response_body
).where(IdempotencyKey.user_id == bindparam("user_id"), IdempotencyKey.key == bindparam("key"))


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def lock_key(db_session: Session, user_id: str, key: str) -> None:
    """Refuse a replay while the first request with this key is still running (PostgreSQL).

    SQLite needs nothing: BEGIN IMMEDIATE already runs write requests one at a time, so a
    replay only ever sees the first request finished.
    """
    if db_session.get_bind().dialect.name != "postgresql":
        return
    digest = int(hashlib.sha256(f"{user_id}:{key}".encode()).hexdigest()[:15], 16)
    locked = db_session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": digest})
    if not locked.scalar():
        raise Conflict(
            "A request with this Idempotency-Key is still in progress.",
            code="idempotency_in_flight",
        )


def idempotent(
    view: Callable[..., Any] | None = None, *, body: Callable[[], bytes] | None = None
) -> Any:
    """Make a view honour Idempotency-Key (put it under auth, above the output schema).

    `body` gives the bytes that identify the request when the raw body cannot: a multipart
    upload retried by a phone has a new boundary but the same parts.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(HEADER)
            if key is None:
                return view(*args, **kwargs)
            if not KEY_RE.match(key):
                raise Invalid(
                    "The Idempotency-Key must be 1 to 255 printable ASCII characters.",
                    errors={HEADER: ["Invalid."]},
                )
            content = body() if body is not None else request.get_data()
            return _keyed(key, request_fingerprint(request.method, request.path, content), view)(
                *args, **kwargs
            )

        return wrapper

    return decorate(view) if view is not None else decorate


def _keyed(key: str, fingerprint: str, view: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        session = request_session()
        user_id = current_user().id
        lock_key(session, user_id, key)
        stored = session.connection().execute(_STORED, {"user_id": user_id, "key": key}).first()
        if stored is not None:
            if stored.request_hash != fingerprint:
                raise Invalid(
                    "This Idempotency-Key was used for a different request.",
                    errors={HEADER: ["Already used with another body or path."]},
                    code="idempotency_conflict",
                )
            replay = Response(
                stored.response_body, status=stored.response_status, mimetype="application/json"
            )
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            session.connection().execute(
                insert(IdempotencyKey),
                {
                    "user_id": user_id,
                    "key": key,
                    "request_hash": fingerprint,
                    "response_status": response.status_code,
                    "response_body": response.get_data(as_text=True),
                },
            )
        return response

    return run
