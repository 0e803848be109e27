"""Request guards applied to every route before any view runs."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING, Any

from flask import Flask, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge
from werkzeug.wsgi import ClosingIterator

from backend.errors import Invalid
from backend.i18n import gettext
from backend.settings import settings_of

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# A measured body stays in memory up to this size, then spills to a temporary file.
SPOOL_IN_MEMORY = 1024 * 1024
BODY_STATE = "fairfield.body_state"  # environ key: how a body without a length ended

NUL = "\x00"
MESSAGE = "Must be valid text: no NUL characters or unpaired surrogates."
# The only bodies werkzeug reads a form from; any other type has an empty one.
FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


def _bad_text(text: str) -> bool:
    if NUL in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, e.g. JSON "\ud800"
        return True
    return False


def _nul_fields(value: Any, path: str, found: dict[str, list[str]]) -> None:
    if isinstance(value, str):
        if _bad_text(value):
            found[path or "body"] = [MESSAGE]
    elif isinstance(value, dict):
        for key, sub in value.items():
            _nul_fields(sub, f"{path}.{key}" if path else str(key), found)
            if _bad_text(str(key)):
                found[path or "body"] = [MESSAGE]
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            _nul_fields(sub, f"{path}.{index}" if path else str(index), found)


def text_problems(value: Any, path: str) -> dict[str, list[str]]:
    """Fields under `path` holding NUL characters or lone surrogates, for JSON parsed late."""
    found: dict[str, list[str]] = {}
    _nul_fields(value, path, found)
    return found


def _printable(key: str) -> str:
    return key.encode("utf-8", "replace").decode("utf-8").replace(NUL, "") or "query"


def _read_to_length(environ: WSGIEnvironment) -> WSGIEnvironment:
    # With wsgi.input_terminated werkzeug caps a body at the limit rather than at its length,
    # and refuses one of exactly the limit when a parser reads on to find the end (multipart
    # does): a body of known length is read to that length, as without the flag.
    environ.pop("wsgi.input_terminated", None)
    return environ


class MeasuredBody:
    """WSGI middleware: a body sent without Content-Length (chunked) is read up to the limit
    before the app sees the request, and then carries its length like any other.

    Werkzeug caps such a stream at the limit but stops reading there in silence, so a longer
    body was cut and its prefix processed. Read here, one byte past the limit is known before
    any view runs, and every path (JSON, multipart, tus PATCH) refuses it the same way."""

    def __init__(self, wsgi_app: WSGIApplication, max_bytes: int) -> None:
        self.wsgi_app = wsgi_app
        self.max_bytes = max_bytes

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Only a server that ends the stream itself (wsgi.input_terminated) may be read to its
        # end; without that werkzeug reads no body without a length at all.
        if not environ.get("wsgi.input_terminated"):
            return self.wsgi_app(environ, start_response)
        if environ.get("CONTENT_LENGTH"):
            return self.wsgi_app(_read_to_length(environ), start_response)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
        size, state = self._spool(environ["wsgi.input"], spool)
        if size == 0 and state == "whole":
            spool.close()  # no body: nothing to stand in for
            return self.wsgi_app(environ, start_response)
        spool.seek(0)
        environ["wsgi.input"] = spool
        # The body now has a length (past the limit: limit + 1, "more than allowed"); werkzeug
        # ignores any length while the request still says it is chunked.
        environ["CONTENT_LENGTH"] = str(size)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ[BODY_STATE] = state
        return ClosingIterator(self.wsgi_app(_read_to_length(environ), start_response), spool.close)

    def _spool(self, stream: IO[bytes], spool: IO[bytes]) -> tuple[int, str]:
        size = 0
        while True:
            try:
                data = stream.read(min(64 * 1024, self.max_bytes + 1 - size))
            except (OSError, ValueError):  # a cut connection or a malformed chunk
                spool.truncate(0)
                return size, "cut"
            if not data:
                return size, "whole"
            spool.write(data)
            size += len(data)
            if size > self.max_bytes:
                spool.truncate(0)  # the rest is never read: the request answers 413
                return size, "too_large"


def init_guards(app: Flask) -> None:
    app.wsgi_app = MeasuredBody(  # type: ignore[method-assign]
        app.wsgi_app, settings_of(app).max_body_bytes
    )

    @app.before_request
    def _refuse_oversized_body() -> None:
        # Werkzeug checks the length only when a body is read: a view that reads none would
        # otherwise act on a request it must refuse.
        if (request.content_length or 0) > settings_of(app).max_body_bytes:
            raise RequestEntityTooLarge()
        if request.environ.get(BODY_STATE) == "cut":
            raise ClientDisconnected()  # an incomplete body is never taken for a whole one

    @app.before_request
    def _refuse_nul_characters() -> None:
        # PostgreSQL text holds neither NUL nor lone surrogates, and no honest client sends them:
        # refuse them at the door,
        # naming the field, rather than letting the database fail deep inside a service.
        found: dict[str, list[str]] = {}
        if _bad_text(request.path):
            found["path"] = [MESSAGE]
        for key, value in request.args.items(multi=True):
            if _bad_text(key) or _bad_text(value):
                found[_printable(key)] = [MESSAGE]
        if request.is_json and request.content_length:
            _nul_fields(request.get_json(silent=True), "", found)
        if request.mimetype in FORM_TYPES:  # werkzeug parses no other type as a form
            for key, value in request.form.items(multi=True):
                if _bad_text(key) or _bad_text(value):
                    found[_printable(key)] = [MESSAGE]
        if found:
            raise Invalid(gettext("The request contains text that is not valid."), errors=found)
