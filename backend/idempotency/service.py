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
from backend.db import autocommit_read, request_session
from backend.errors import Conflict, Invalid
from backend.i18n import gettext
from backend.idempotency.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


# Built once: it runs on every keyed request (claims above all).
_STORED = select(
    IdempotencyKey.request_hash, IdempotencyKey.response_status, IdempotencyKey.response_body
).where(IdempotencyKey.user_id == bindparam("user_id"), IdempotencyKey.key == bindparam("key"))


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def lock_key(db_session: Session, user_id: str, key: str) -> None:
    """Refuse a replay while the first request with this key is still running (PostgreSQL).

    SQLite needs nothing: it runs writers one at a time, and `_run_on_sqlite` looks for the
    key again once this request holds the write lock.
    """
    if db_session.get_bind().dialect.name != "postgresql":
        return
    digest = int(hashlib.sha256(f"{user_id}:{key}".encode()).hexdigest()[:15], 16)
    locked = db_session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": digest})
    if not locked.scalar():
        raise Conflict(
            gettext("A request with this Idempotency-Key is still in progress."),
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
                    gettext("The Idempotency-Key must be 1 to 255 printable ASCII characters."),
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
        if session.get_bind().dialect.name == "sqlite":
            response = _run_on_sqlite(session, user_id, key, fingerprint, view, *args, **kwargs)
        else:
            lock_key(session, user_id, key)
            stored = _stored(session, user_id, key)
            if stored is not None:
                return _replay(stored, fingerprint)
            response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400 and REPLAYED not in response.headers:
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


def _run_on_sqlite(
    session: Session,
    user_id: str,
    key: str,
    fingerprint: str,
    view: Callable[..., Any],
    *args: Any,
    **kwargs: Any,
) -> Response:
    """Look for the key apart from the request's transaction, run the view, then look again
    under the write lock the view took at its first statement. A lookup in the request's
    own session would take that lock before the view's slow work (a submission's photos);
    the second lookup finds a request with this key that finished meanwhile: it wins, and
    this one's writes are undone."""
    stored = _stored_apart(user_id, key)
    if stored is not None:
        return _replay(stored, fingerprint)
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except Exception:
        session.rollback()
        # Apart again, not under a write lock taken anew: a request with this key that ran
        # before the view took the lock has committed by now (SQLite runs writers in turn).
        stored = _stored_apart(user_id, key)
        if stored is None:
            raise
        return _replay(stored, fingerprint)
    stored = _stored(session, user_id, key)
    if stored is None:
        return response
    session.rollback()
    return _replay(stored, fingerprint)


def _stored_apart(user_id: str, key: str) -> Any:
    """The stored answer, read in no transaction: no BEGIN, no lock, no session."""
    return autocommit_read(_STORED, {"user_id": user_id, "key": key})


def _stored(session: Session, user_id: str, key: str) -> Any:
    return session.connection().execute(_STORED, {"user_id": user_id, "key": key}).first()


def _replay(stored: Any, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        raise Invalid(
            gettext("This Idempotency-Key was used for a different request."),
            errors={HEADER: ["Already used with another body or path."]},
            code="idempotency_conflict",
        )
    replay = Response(
        stored.response_body, status=stored.response_status, mimetype="application/json"
    )
    replay.headers[REPLAYED] = "true"
    return replay
