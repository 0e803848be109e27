"""OpenTelemetry traces over OTLP/HTTP, on only when an endpoint is configured.

Nothing of the SDK is imported, and no provider installed, while tracing is off: `inject`
and the task hooks then cost a global's read. A task's span is a child of the context its
message carries (the request's, stored in the outbox row), however late it was sent.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Task
    from flask import Flask
    from opentelemetry.sdk.trace import ReadableSpan

    from backend.settings import Settings

# The pid that installed the provider; None while tracing is off in this process.
_started_in: int | None = None
TRACE_HEADERS = ("traceparent", "tracestate")
UNTRACED_PATHS = "/healthz$,/readyz$,/metrics$"  # regular expressions, as OTel reads them
# What the WSGI instrumentation records of the client (old and new semantic conventions):
# never exported, as the access log leaves it out.
CLIENT_ATTRIBUTES = frozenset(
    {
        "net.peer.ip",
        "net.peer.port",
        "net.peer.name",
        "net.sock.peer.addr",
        "net.sock.peer.port",
        "http.client_ip",
        "client.address",
        "client.port",
        "network.peer.address",
        "network.peer.port",
        "url.query",
    }
)
# What holds the query string (a worker's position, a signed link's parameters): exported
# as the path only.
URL_ATTRIBUTES = ("http.target", "http.url", "url.full")


def start(settings: Settings, *, service: str) -> None:
    """Install the tracer provider and its exporter, once per process (after any fork)."""
    global _started_in
    if _started_in is not None or not settings.otel_traces_url:
        return
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExportResult

    class PrivateExporter(OTLPSpanExporter):
        """The OTLP exporter, sending each span without the client and the query."""

        def export(self, spans: Any) -> SpanExportResult:
            return super().export([without_client_and_query(span) for span in spans])

    resource = Resource.create({"service.name": settings.otel_service_name or service})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(
        BatchSpanProcessor(PrivateExporter(endpoint=settings.otel_traces_url))
    )
    trace.set_tracer_provider(provider)
    _started_in = os.getpid()


def without_client_and_query(span: ReadableSpan) -> ReadableSpan:
    """The span as exported: its client address attributes left out, its URLs cut at "?".
    (The instrumentation sets them after any request hook could, so they go at export.)"""
    from opentelemetry.sdk.trace import ReadableSpan

    attributes = dict(span.attributes or {})
    if not (CLIENT_ATTRIBUTES.intersection(attributes) or set(URL_ATTRIBUTES) & set(attributes)):
        return span
    for name in CLIENT_ATTRIBUTES:
        attributes.pop(name, None)
    for name in URL_ATTRIBUTES:
        if isinstance(attributes.get(name), str):
            attributes[name] = str(attributes[name]).split("?", 1)[0]
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=span.events,
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def started() -> bool:
    """Whether this process exports spans."""
    return _started_in is not None


def instrument_flask(app: Flask, settings: Settings) -> None:
    """A server span per request (opentelemetry-instrumentation-flask), when tracing is on."""
    if not settings.otel_traces_url:
        return
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    # Probes and scrapes would bury the requests people make; the standard variables win.
    named = os.environ.get("OTEL_PYTHON_FLASK_EXCLUDED_URLS") or os.environ.get(
        "OTEL_PYTHON_EXCLUDED_URLS"
    )
    FlaskInstrumentor.instrument_app(app, excluded_urls=named or UNTRACED_PATHS)


def inject(carrier: dict[str, str]) -> None:
    """Add the current trace context (traceparent, tracestate) to `carrier`, if tracing."""
    if _started_in is None:
        return
    from opentelemetry.propagate import inject as propagate

    propagate(carrier)


def start_task_span(task: Task) -> Any:
    """Open the task's span under the context its message carried; None if not tracing."""
    if _started_in is None:
        return None
    from opentelemetry import context, trace
    from opentelemetry.propagate import extract

    carrier = {key: str(task.request.get(key)) for key in TRACE_HEADERS if task.request.get(key)}
    span = trace.get_tracer(__name__).start_span(
        task.name,
        context=extract(carrier),
        kind=trace.SpanKind.CONSUMER,
        attributes={"messaging.system": "celery", "celery.task_id": str(task.request.id)},
    )
    token = context.attach(trace.set_span_in_context(span))
    return span, token


def record_failure(opened: Any, exception: BaseException) -> None:
    """Mark the task's span failed, with the exception."""
    if opened is None:
        return
    from opentelemetry.trace import Status, StatusCode

    span, _token = opened
    span.record_exception(exception)
    span.set_status(Status(StatusCode.ERROR, type(exception).__name__))


def end_task_span(opened: Any) -> None:
    """Close the task's span and restore the context it replaced."""
    if opened is None:
        return
    from opentelemetry import context

    span, token = opened
    context.detach(token)
    span.end()
