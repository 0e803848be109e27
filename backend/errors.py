"""Domain errors and the one RFC 9457 problem+json shape every error answers with."""

from __future__ import annotations

import errno
import logging
import sqlite3
from typing import Any

import botocore.exceptions as botocore
import kombu.exceptions as kombu
import psycopg
import redis.exceptions as redis
from apiflask import APIFlask, HTTPError
from flask import Response, json
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from backend.i18n import N_, current_language, gettext, lazy_gettext

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
    507: "insufficient_storage",
}


# The words of each status, in the request's language; the English is RFC 9110's, whatever
# Python's HTTPStatus says (3.13 renamed 413 and 422 to these).
PHRASES: dict[int, Any] = {
    400: lazy_gettext("Bad Request"),
    401: lazy_gettext("Unauthorized"),
    403: lazy_gettext("Forbidden"),
    404: lazy_gettext("Not Found"),
    405: lazy_gettext("Method Not Allowed"),
    406: lazy_gettext("Not Acceptable"),
    409: lazy_gettext("Conflict"),
    410: lazy_gettext("Gone"),
    411: lazy_gettext("Length Required"),
    412: lazy_gettext("Precondition Failed"),
    413: lazy_gettext("Content Too Large"),
    415: lazy_gettext("Unsupported Media Type"),
    422: lazy_gettext("Unprocessable Content"),
    423: lazy_gettext("Locked"),
    429: lazy_gettext("Too Many Requests"),
    500: lazy_gettext("Internal Server Error"),
    503: lazy_gettext("Service Unavailable"),
    507: lazy_gettext("Insufficient Storage"),
}

# Werkzeug's own descriptions (a route that does not exist, a method it does not take) are
# English only: these stand in for them.
FRAMEWORK_DETAILS: dict[int, Any] = {
    400: lazy_gettext("The request could not be understood."),
    404: lazy_gettext("Nothing is at this address."),
    405: lazy_gettext("This address does not take this method; see the Allow header."),
    413: lazy_gettext("The request is larger than this server accepts."),
    415: lazy_gettext("This request's Content-Type is not one this address takes."),
}

# The per-field messages of marshmallow, webargs and our own checks that carry no value:
# said in the request's language. Messages with values in them stay as they are (English).
FIELD_MESSAGES = frozenset(
    {
        N_("Missing data for required field."),
        N_("Field may not be null."),
        N_("Unknown field."),
        N_("Invalid type."),
        N_("Invalid value."),
        N_("Invalid input type."),
        N_("Invalid JSON body."),
        N_("Not a valid boolean."),
        N_("Not a valid date."),
        N_("Not a valid datetime."),
        N_("Not a valid email address."),
        N_("Not a valid integer."),
        N_("Not a valid list."),
        N_("Not a valid mapping type."),
        N_("Not a valid number."),
        N_("Not a valid string."),
        N_("Not a valid URL."),
        N_("Not a valid UUID."),
        N_("Number too large."),
        N_("Missing."),
        N_("Invalid."),
        N_("Must be a JPEG file."),
        N_("Must not be empty."),
        N_("In the future."),
        N_("Not valid JSON."),
        N_("Larger than this server accepts."),
        N_("Does not match the bytes received."),
        N_("Does not match the bytes."),
        N_("Must be a non-negative integer."),
        N_("Must be valid text: no NUL characters or unpaired surrogates."),
        N_("At least one photo."),
        N_("Give latitude and longitude together."),
        N_("Must be an RFC 3339 time with an offset."),
        N_("Payouts go out by SEPA transfer; this IBAN is outside the SEPA zone."),
        N_("The account holder's name is required."),
        N_("Control characters are not allowed."),
        N_("The name must contain letters a bank can print."),
        N_("Must be a sha256 digest in hex."),
    }
)

# Full sentences for what a worker asks for by id (a French or Dutch noun's gender changes the
# words around it); any other kind is named in the general sentence as the code calls it.
NOT_FOUND: dict[str, Any] = {
    "mission": lazy_gettext("No mission with this id is visible to you."),
    "assignment": lazy_gettext("No assignment with this id is visible to you."),
    "submission": lazy_gettext("No submission with this id is visible to you."),
    "photo": lazy_gettext("No photo with this id is visible to you."),
    "upload": lazy_gettext("No upload with this id is visible to you."),
    "appeal": lazy_gettext("No appeal with this id is visible to you."),
    "payout request": lazy_gettext("No payout request with this id is visible to you."),
}


class DomainError(Exception):
    """A rule said no. Views let it rise; `register_error_handlers` maps it to HTTP.

    `detail` is said in the request's language where a worker reads it: `gettext(...)`."""

    status = 400
    code = "bad_request"
    title: Any = lazy_gettext("Bad request")

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
    status, code = 404, "not_found"
    title = lazy_gettext("Not found")


def not_found(kind: str, *, code: str | None = None) -> NotFound:
    """The one 404 for an object asked for by id: the same words whether it does not exist or
    the caller may not see it, and no id in them, neither the one asked for nor another's."""
    if kind in NOT_FOUND:
        return NotFound(str(NOT_FOUND[kind]), code=code)
    return NotFound(gettext("No %(kind)s with this id is visible to you.", kind=kind), code=code)


class Conflict(DomainError):
    status, code = 409, "conflict"
    title = lazy_gettext("Conflict")


class Invalid(DomainError):
    status, code = 422, "validation_error"
    title = lazy_gettext("Validation failed")


class TooLarge(DomainError):
    status, code = 413, "payload_too_large"
    title = lazy_gettext("Payload too large")


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"
    title = lazy_gettext("Unauthorized")


class Forbidden(DomainError):
    status, code = 403, "forbidden"
    title = lazy_gettext("Forbidden")


class Gone(DomainError):
    status, code = 410, "gone"
    title = lazy_gettext("Gone")


class LengthRequired(DomainError):
    status, code = 411, "length_required"
    title = lazy_gettext("Length required")


class PreconditionFailed(DomainError):
    status, code = 412, "precondition_failed"
    title = lazy_gettext("Precondition failed")


class UnsupportedMediaType(DomainError):
    status, code = 415, "unsupported_media_type"
    title = lazy_gettext("Unsupported media type")


class Locked(DomainError):
    status, code = 423, "locked"
    title = lazy_gettext("Locked")


def problem(
    status: int,
    *,
    code: str | None = None,
    title: Any = None,
    detail: Any = None,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build an application/problem+json response, its words in the request's language."""
    code = code or STATUS_CODES.get(status, "error")
    phrase = status_phrase(status)
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": str(title) if title else phrase,
        "status": status,
        "detail": str(detail) if detail else phrase,
        "code": code,
        "errors": translate_fields(errors or {}),
    }
    if extra:
        body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIME)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    # The words depend on Accept-Language; the code does not.
    response.headers["Content-Language"] = current_language()
    response.vary.add("Accept-Language")
    return response


def status_phrase(status: int) -> str:
    """The status's name (404: Not Found) in the request's language."""
    from http import HTTPStatus

    if status in PHRASES:
        return str(PHRASES[status])
    return HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"


def _is_english_phrase(message: str | None, status: int) -> bool:
    from http import HTTPStatus

    from werkzeug.http import HTTP_STATUS_CODES

    known = {HTTP_STATUS_CODES.get(status)}
    if status in HTTPStatus._value2member_map_:
        known.add(HTTPStatus(status).phrase)
    return message is not None and message in known


def translate_fields(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per-field messages, those without values in them in the request's language."""
    return {
        field: [gettext(message) if message in FIELD_MESSAGES else message for message in messages]
        for field, messages in errors.items()
    }


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


# How long a client should wait before sending again what a full disk refused, or what a
# database or broker briefly away could not do.
STORAGE_RETRY_AFTER_S = 60
UNAVAILABLE_RETRY_AFTER_S = 5


def storage_full(error: BaseException) -> bool:
    """Whether the error says the photos' or the database's disk has no room left: the OS's
    ENOSPC or EDQUOT, SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), or a bucket
    answering 507 (MinIO's XMinioStorageFull)."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    driver = getattr(error, "orig", None)  # SQLAlchemy's wrapper of the driver's error
    if driver is not None:
        sqlite_full = getattr(driver, "sqlite_errorname", None) == "SQLITE_FULL"
        return sqlite_full or getattr(driver, "sqlstate", None) == "53100"
    return _bucket_status(error) == 507


def _bucket_status(error: BaseException) -> int | None:
    """The HTTP status a bucket answered with, when the error is botocore's ClientError."""
    if not isinstance(error, botocore.ClientError):
        return None
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


# SQLSTATEs of a database that cannot take the request now, though it may in a moment: a
# connection lost or refused (class 08), a server shutting down or starting (57P01-57P03),
# too many connections, a deadlock or serialisation failure a retry resolves (class 40: a
# deadlock also points at a lock order to mend, so it is logged as an error).
_TRANSIENT_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300", "40001", "40P01")


def service_unavailable(error: BaseException) -> bool:
    """Whether the error is a database, broker or bucket that cannot be reached right now (a
    restart, a failover, a dropped connection, SQLite's writer lock held too long, every
    connection of the pool busy past FAIRFIELD_DB_POOL_TIMEOUT_SECONDS, the S3 endpoint
    refusing or timing out, or answering 503 "slow down"): the request did nothing, and the
    same request may succeed in a moment."""
    if isinstance(error, redis.ConnectionError | redis.TimeoutError | kombu.OperationalError):
        return True  # the broker, or the rate limits' Redis
    if isinstance(error, PoolTimeout | botocore.ConnectionError | botocore.HTTPClientError):
        return True
    if _bucket_status(error) == 503:
        return True  # the bucket's "slow down"
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        driver: BaseException | None = error.orig
    elif isinstance(error, psycopg.Error | sqlite3.Error):
        driver = error  # raised by a driver cursor (db.driver_cursor), SQLAlchemy bypassed
    else:
        return False
    sqlstate = getattr(driver, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES):
        return True
    if isinstance(driver, sqlite3.OperationalError):
        return getattr(driver, "sqlite_errorname", None) == "SQLITE_BUSY"
    # psycopg's error without a SQLSTATE is an outage only when its connection is gone (the
    # server went away, or refused it): a query libpq would not send (too many parameters,
    # say) leaves the connection as it was, and is a bug.
    if isinstance(driver, psycopg.OperationalError) and sqlstate is None:
        connection = driver.pgconn
        return connection is None or connection.status != psycopg.pq.ConnStatus.OK
    return False


def outage_level(error: BaseException) -> int | None:
    """The level to log an outage at: a full disk is an error (someone must make room), so is
    a deadlock (a lock order to mend); a service briefly away is a warning. None: the error
    is no outage (a bug)."""
    if storage_full(error):
        return logging.ERROR
    if not service_unavailable(error):
        return None
    driver = getattr(error, "orig", error)
    deadlock = str(getattr(driver, "sqlstate", None) or "").startswith("40")
    return logging.ERROR if deadlock else logging.WARNING


def register_error_handlers(app: APIFlask) -> None:
    @app.error_processor
    def _http_error(error: HTTPError) -> Response:
        status = error.status_code
        if status == 422 or (status == 400 and isinstance(error.detail, dict) and error.detail):
            errors = flatten_validation(error.detail)
            return problem(
                422 if status == 422 else 400,
                code="validation_error" if status == 422 else "bad_request",
                detail=gettext("The request did not validate; see `errors`."),
                errors=errors,
                headers={k: str(v) for k, v in dict(error.headers or {}).items()},
            )
        extra = dict(error.extra_data or {})
        code = extra.pop("code", None)
        # apiflask's own refusals (a missing token, a role that may not) carry the English
        # status phrase: left out, the phrase is said in the request's language instead.
        message = error.message if isinstance(error.message, str) else None
        return problem(
            status,
            code=code,
            detail=None if _is_english_phrase(message, status) else message,
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
        detail: Any = error.description if status != 500 else None
        if detail == type(error).description:  # werkzeug's English words, not ours
            detail = FRAMEWORK_DETAILS.get(status)
        if status == 429:  # flask-limiter describes the limit ("3 per 1 minute")
            detail = gettext(
                "Too many requests: the limit is %(limit)s. Try again a little later.",
                limit=error.description,
            )
        # webargs aborts with the per-field messages attached (e.g. a body that is not JSON).
        messages = getattr(error, "data", {}).get("messages") if status == 400 else None
        errors = flatten_validation(messages) if isinstance(messages, dict) else None
        if errors:
            detail = gettext("The request body could not be parsed; see `errors`.")
        if status == 413:
            errors = {"body": ["Larger than this server accepts."]}
        return problem(status, detail=detail, errors=errors, headers=headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if storage_full(error):
            # The request's transaction is rolled back and a half-written file removed where
            # it was being written: the client may send the same again later.
            log.error("no room left to store a request's data", exc_info=error)
            return problem(
                507,
                detail=gettext(
                    "The server has no room to store this right now; nothing of it was kept. "
                    "Send it again in a few minutes."
                ),
                headers={"Retry-After": str(STORAGE_RETRY_AFTER_S)},
            )
        if service_unavailable(error):
            log.log(
                outage_level(error) or logging.WARNING,
                "a service the request needs was unavailable",
                exc_info=error,
            )
            return problem(
                503,
                detail=gettext(
                    "A service this request needs is briefly unavailable; nothing was done. "
                    "Send it again in a few seconds."
                ),
                headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)},
            )
        log.exception("unhandled error", exc_info=error)
        return problem(500, detail=gettext("An unexpected error occurred; it has been logged."))
