"""Seeing what the processes told: a worker's JSON log lines, the spans an OTLP/HTTP receiver
was sent (decoded from protobuf ExportTraceServiceRequest bodies, as a collector does), and
what a Sentry SDK sent."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support.receiver import Receiver


def json_lines(log: Path) -> list[dict[str, Any]]:
    """The JSON log lines of a process's output (Celery's banner and plain lines skipped)."""
    lines = []
    for raw in log.read_text().splitlines():
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


def failing_app() -> Any:
    """The API with one more route that fails unexpectedly, for gunicorn
    (`tests.support.observe:failing_app()`): what an error report starts from."""
    from flask import request

    from backend import create_app
    from backend.accounts.views import _login_email_key
    from backend.extensions import limiter

    app = create_app()

    @app.post("/api/v1/test-only/fail")
    def fail() -> None:
        # What a request carried ends up in a message: the report must not repeat it.
        body = request.get_json()
        raise LookupError(f"no payout to {body['iban']} for token={body['token']}")

    @app.post("/api/v1/test-only/fail-after-limiter")
    @limiter.limit("100 per minute")
    @limiter.limit("100 per minute", key_func=_login_email_key)
    def fail_after_limiter() -> None:
        # The limiter asked Redis about the client and the address the body names.
        raise LookupError(f"no account {request.get_json()['email']}")

    return app


@dataclass(frozen=True)
class Envelope:
    """One envelope a Sentry SDK posted: its raw bytes (decompressed) and its events."""

    raw: bytes
    events: list[dict[str, Any]]


def envelopes(receiver: Receiver) -> list[Envelope]:
    """The envelopes posted to a receiver standing in for Sentry (DSN project 1)."""
    return [Envelope(body, _events(body)) for body in bodies(receiver, "/api/1/envelope/")]


def _events(body: bytes) -> list[dict[str, Any]]:
    # An envelope: a header line, then items, each a header line and a payload of the
    # header's `length` (or up to the next newline).
    _header, _, rest = body.partition(b"\n")
    events = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item = json.loads(item_line)
        if "length" in item:
            payload, rest = rest[: item["length"]], rest[item["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        if item.get("type") == "event":
            events.append(json.loads(payload))
    return events


def bodies(receiver: Receiver, path: str) -> list[bytes]:
    """The bodies posted to `path`, decompressed."""
    return [
        _decoded(r.body, r.headers.get("content-encoding"))
        for r in receiver.requests()
        if r.path == path
    ]


def _decoded(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        # sentry-sdk compresses with brotli whenever the module is installed (locust brings
        # it), with gzip otherwise.
        import brotli

        return bytes(brotli.decompress(body))
    return body


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    kind: int  # opentelemetry.proto.trace.v1 Span.SpanKind: 2 server, 5 consumer
    trace_id: str
    span_id: str
    parent_span_id: str  # "" for a root span
    attributes: dict[str, str] = field(default_factory=dict)  # every value as text


def spans(receiver: Receiver) -> list[Span]:
    """Every span posted to the receiver's /v1/traces so far."""
    found = []
    for body in bodies(receiver, "/v1/traces"):
        export = ExportTraceServiceRequest.FromString(body)
        for resource_spans in export.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                found += [
                    Span(
                        attributes.get("service.name", ""),
                        span.name,
                        span.kind,
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.parent_span_id.hex(),
                        {a.key: _text(a.value) for a in span.attributes},
                    )
                    for span in scope_spans.spans
                ]
    return found


def _text(value: Any) -> str:
    """An OTLP AnyValue as text, whichever of its kinds it holds."""
    kind = value.WhichOneof("value")
    return "" if kind is None else str(getattr(value, kind))
