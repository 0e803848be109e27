"""Error reports to Sentry, on only when SENTRY_DSN is set; no personal data leaves.

Sentry's own defaults already leave out cookies, users and addresses (send_default_pii off);
`scrub` also drops every request body, the credential headers and the query string (signed
links and tokens ride there), and masks anything shaped like an email address, an IBAN or a
bearer token in what remains (an exception's message, a log line, a breadcrumb, a span).
The database engine hides statement parameters from its errors (backend/db.py), and the
Redis integration, whose breadcrumbs and spans carry every command's key, stays off.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from backend.logs import current_request_id

if TYPE_CHECKING:
    from sentry_sdk._types import Event

    from backend.settings import Settings

DROPPED_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "upload-metadata"}
)
# Two letters, two check digits, then 11 to 30 letters or digits, spaced in fours or not.
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
_BEARER = re.compile(r"(?i)\b(bearer|token|key)([\s=:]+)[A-Za-z0-9._~+/-]{8,}=*")
# Anything@anything.tld, as an SMTP refusal or a constraint's message quotes an address.
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
MASK = "[Filtered]"

_started = False


def start(settings: Settings) -> None:
    """Initialise sentry-sdk with its Flask and Celery integrations, once per process."""
    global _started
    if _started or not settings.sentry_dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.sentry_environment or None,
        release=settings.sentry_release or None,
        traces_sample_rate=settings.sentry_traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,  # a frame's variables may hold a password or an IBAN
        max_request_body_size="never",
        before_send=scrub,
        before_send_transaction=scrub,
        integrations=[FlaskIntegration(), CeleryIntegration()],
        # Auto-enabled otherwise: its breadcrumbs and spans name every key (limiter keys
        # hold client addresses).
        disabled_integrations=[RedisIntegration],
    )
    _started = True


def scrub(sent: Event, _hint: dict[str, Any]) -> Event:
    """Drop bodies, credential headers, cookies and queries; mask addresses, IBANs, tokens."""
    event = cast(dict[str, Any], sent)
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: value
                for name, value in headers.items()
                if name.lower() not in DROPPED_HEADERS
            }
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
    request_id = current_request_id()
    if request_id is not None:
        event.setdefault("tags", {})["request_id"] = request_id
    # What people and data write into; stack frames (code and file names) stay as they are.
    for key in ("message", "logentry", "extra", "breadcrumbs", "request", "spans", "contexts"):
        if key in event:
            event[key] = _mask(event[key])
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception, dict) and "value" in exception:
            exception["value"] = _mask(exception["value"])
    return sent


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        value = _EMAIL.sub(MASK, _IBAN.sub(MASK, value))
        return _BEARER.sub(lambda m: m.group(1) + m.group(2) + MASK, value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value
