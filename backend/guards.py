"""Request guards applied to every route before any view runs."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from backend.errors import Invalid

NUL = "\x00"
MESSAGE = "Must be valid text: no NUL characters or unpaired surrogates."


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


def init_guards(app: Flask) -> None:
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
        for key, value in request.form.items(multi=True):
            if _bad_text(key) or _bad_text(value):
                found[_printable(key)] = [MESSAGE]
        if found:
            raise Invalid("The request contains text that is not valid.", errors=found)
