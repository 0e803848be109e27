"""What a local OTLP/HTTP receiver was sent: the spans, decoded from the protobuf
ExportTraceServiceRequest bodies as an OpenTelemetry collector decodes them."""

from __future__ import annotations

import gzip
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support.receiver import Receiver


@dataclass(frozen=True)
class Span:
    service: str
    name: str
    kind: int  # opentelemetry.proto.trace.v1 Span.SpanKind: 2 server, 5 consumer
    trace_id: str
    span_id: str
    parent_span_id: str  # "" for a root span


def spans(receiver: Receiver) -> list[Span]:
    """Every span posted to the receiver's /v1/traces so far."""
    found = []
    for request in receiver.requests():
        if request.path != "/v1/traces":
            continue
        body = request.body
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
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
                    )
                    for span in scope_spans.spans
                ]
    return found
