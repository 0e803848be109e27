"""Domain errors and the one RFC 9457 problem+json shape every error answers with."""

from __future__ import annotations

import logging
from typing import Any

from apiflask import APIFlask, HTTPError
from flask import Response, json
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

PROBLEM_TYPE = "https://fairfield.example/problems/"
PROBLEM_MIME = "application/problem+json"

# Stable codes for framework-level statuses; domain errors name their own.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "service_unavailable",
}


class DomainError(Exception):
    """A rule said no. Views let it rise; `register_error_handlers` maps it to HTTP."""

    status = 400
    code = "bad_request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.extra = extra or {}
        if code:
            self.code = code


class NotFound(DomainError):
    status, code, title = 404, "not_found", "Not found"


def not_found(kind: str, *, code: str | None = None) -> NotFound:
    """The one 404 for an object asked for by id: the same words whether it does not exist or
    the caller may not see it, and no id in them, neither the one asked for nor another's."""
    return NotFound(f"No {kind} with this id is visible to you.", code=code)


class Conflict(DomainError):
    status, code, title = 409, "conflict", "Conflict"


class Invalid(DomainError):
    status, code, title = 422, "validation_error", "Validation failed"


class TooLarge(DomainError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class Unauthorized(DomainError):
    status, code, title = 401, "unauthorized", "Unauthorized"


class Forbidden(DomainError):
    status, code, title = 403, "forbidden", "Forbidden"


class Gone(DomainError):
    status, code, title = 410, "gone", "Gone"


class LengthRequired(DomainError):
    status, code, title = 411, "length_required", "Length required"


class PreconditionFailed(DomainError):
    status, code, title = 412, "precondition_failed", "Precondition failed"


class UnsupportedMediaType(DomainError):
    status, code, title = 415, "unsupported_media_type", "Unsupported media type"


class Locked(DomainError):
    status, code, title = 423, "locked", "Locked"


def problem(
    status: int,
    *,
    code: str | None = None,
    title: str | None = None,
    detail: str | None = None,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build an application/problem+json response."""
    from http import HTTPStatus

    code = code or STATUS_CODES.get(status, "error")
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
        "code": code,
        "errors": errors or {},
    }
    if extra:
        body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def flatten_validation(detail: Any) -> dict[str, list[str]]:
    """webargs reports {location: {field: [msg]}}; clients want {field: [msg]}."""
    errors: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            errors.setdefault(_field(prefix), []).extend(value)
        else:
            errors.setdefault(_field(prefix), []).append(str(value))

    if isinstance(detail, dict):
        for location, fields in detail.items():
            # A body that is not a JSON object is reported under the location itself.
            if isinstance(fields, dict):
                walk("", fields)
            else:
                walk(str(location), fields)
    return errors


def _field(path: str) -> str:
    # Errors about the whole body (not JSON, not an object) are reported under "body".
    if not path or path in {"json", "_schema", "form", "files"}:
        return "body"
    return path.removeprefix("_schema.")


def register_error_handlers(app: APIFlask) -> None:
    @app.error_processor
    def _http_error(error: HTTPError) -> Response:
        status = error.status_code
        if status == 422 or (status == 400 and isinstance(error.detail, dict) and error.detail):
            errors = flatten_validation(error.detail)
            return problem(
                422 if status == 422 else 400,
                code="validation_error" if status == 422 else "bad_request",
                detail="The request did not validate; see `errors`.",
                errors=errors,
                headers={k: str(v) for k, v in dict(error.headers or {}).items()},
            )
        extra = dict(error.extra_data or {})
        code = extra.pop("code", None)
        return problem(
            status,
            code=code,
            detail=error.message if isinstance(error.message, str) else None,
            headers={k: str(v) for k, v in dict(error.headers or {}).items()},
            extra=extra,
        )

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return problem(
            error.status,
            code=error.code,
            title=error.title,
            detail=error.detail,
            errors=error.errors,
            extra=error.extra,
        )

    @app.errorhandler(HTTPException)
    def _werkzeug(error: HTTPException) -> Response:
        status = error.code or 500
        headers = {}
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        detail = error.description if status != 500 else None
        # webargs aborts with the per-field messages attached (e.g. a body that is not JSON).
        messages = getattr(error, "data", {}).get("messages") if status == 400 else None
        errors = flatten_validation(messages) if isinstance(messages, dict) else None
        if errors:
            detail = "The request body could not be parsed; see `errors`."
        if status == 413:
            errors = {"body": ["Larger than this server accepts."]}
        return problem(status, detail=detail, errors=errors, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return problem(500, detail="An unexpected error occurred; it has been logged.")
