"""Traces from the API request through the outbox to the Celery task, exported over
OTLP/HTTP to a real local receiver; nothing at all without an endpoint."""

from __future__ import annotations

import json

import pytest
import requests
from opentelemetry import trace

from backend.observe import tracing
from backend.outbox.models import OutboxMessage
from backend.submissions.photos import VARIANTS_TASK
from backend.submissions.service import VALIDATE_TASK
from tests.support.factories import UserFactory
from tests.support.load import gunicorn
from tests.support.observe import spans
from tests.support.photos import jpeg, shelf
from tests.support.processes import crash_settings, wait_until
from tests.support.receiver import always, receiver
from tests.support.submitting import honest_payload, multipart

SERVER, CONSUMER = 2, 5  # opentelemetry.proto.trace.v1 Span.SpanKind
CHECK_TASK = "ops.complete_pipeline_check"


def exporting_to(collector, settings):
    """Settings for the API and worker processes, exporting spans to `collector` at once;
    given to those processes only: the test's own process never installs a provider."""
    return settings | {
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_BSP_SCHEDULE_DELAY": 100,
    }


def wait_for_spans(collector, path_part, *task_names):
    """The request's server span (its name holds `path_part`) and each task's span, once
    all have arrived."""

    def found():
        seen = spans(collector)
        served = [s for s in seen if s.kind == SERVER and path_part in s.name]
        tasks = [[s for s in seen if s.kind == CONSUMER and s.name == n] for n in task_names]
        if served and all(tasks):
            return [served[0], *(only for (only,) in tasks)]
        return None

    return wait_until(found, 90, f"the spans of the request and of {task_names}")


@pytest.mark.integration
@pytest.mark.parametrize("sent_by", ["relay", "sweeper"])
def test_the_task_span_is_a_child_of_the_request_span(
    sent_by, app_config, redis_url, db, make, auth_headers, start_worker, tmp_path
):
    headers = auth_headers(make(UserFactory, admin=True)) | {"X-Request-ID": "abc123"}
    settings = crash_settings(redis_url) | {"OUTBOX_RELAY_ON_COMMIT": sent_by == "relay"}
    with receiver(always(200)) as collector:
        otel = exporting_to(collector, settings)
        with gunicorn(app_config | otel, tmp_path / "gunicorn.log", workers=2) as api:
            probe = requests.get(api.removesuffix("/api/v1") + "/healthz", timeout=30)
            assert probe.status_code == 200
            answer = requests.post(f"{api}/admin/pipeline-checks", headers=headers, timeout=30)
            assert answer.status_code == 202
        with db.transaction(write=False) as session:
            message = session.query(OutboxMessage).one()
        assert set(message.trace_context) == {"request_id", "traceparent"}
        start_worker(**otel)  # its sweeper sends the message the relay did not
        served, ran = wait_for_spans(collector, "pipeline-checks", CHECK_TASK)
    assert not [s for s in spans(collector) if "healthz" in s.name]  # probes: no spans
    assert served.service == "fairfield-api"
    assert ran.service == "fairfield-worker"
    assert ran.trace_id == served.trace_id
    assert ran.parent_span_id == served.span_id
    assert message.trace_context["traceparent"].split("-")[1:3] == [served.trace_id, served.span_id]


@pytest.mark.integration
def test_a_task_sent_by_a_task_stays_in_the_request_trace(
    app_config, redis_url, claim, start_worker, tmp_path
):
    # Left for review: validation (sent by the request) sends the review sizes' task.
    claimed = claim(review_required=True)
    body, content_type = multipart(json.dumps(honest_payload()), [jpeg(shelf(seed=61))])
    with receiver(always(200)) as collector:
        otel = exporting_to(collector, crash_settings(redis_url))
        with gunicorn(app_config | otel, tmp_path / "gunicorn.log", workers=1) as api:
            answer = requests.post(
                f"{api}/assignments/{claimed.assignment_id}/submission",
                data=body,
                headers=claimed.headers | {"Content-Type": content_type},
                timeout=60,
            )
            assert answer.status_code == 202, answer.text
        start_worker(**otel)
        served, validated, varied = wait_for_spans(
            collector, "submission", VALIDATE_TASK, VARIANTS_TASK
        )
    assert served.trace_id == validated.trace_id == varied.trace_id
    assert validated.parent_span_id == served.span_id
    assert varied.parent_span_id == validated.span_id


@pytest.mark.integration
def test_server_spans_export_no_query_and_no_client_address(
    app_config, redis_url, make, auth_headers, tmp_path
):
    worker = auth_headers(make(UserFactory))
    position = {"latitude": "48.8566123", "longitude": "2.3522456"}
    link = {"variant": "full", "expires": "1999999999", "signature": "5e1f0a9b8c7d6e5f4a3b2c1d"}
    with receiver(always(200)) as collector:
        otel = exporting_to(collector, crash_settings(redis_url))
        with gunicorn(app_config | otel, tmp_path / "gunicorn.log", workers=1) as api:
            nearby = requests.get(
                f"{api}/missions/nearby", params=position, headers=worker, timeout=30
            )
            assert nearby.status_code == 200, nearby.text
            photo = requests.get(f"{api}/photos/{'0' * 32}", params=link, timeout=30)
            assert photo.status_code in (403, 404)

        def both():
            seen = [s for s in spans(collector) if s.kind == SERVER]
            named = [s for s in seen if "nearby" in s.name or "photos" in s.name]
            return named if len(named) == 2 else None

        served = wait_until(both, 90, "the spans of both requests")
    for span in served:
        exported = " ".join([*span.attributes.values(), *span.attributes])
        for secret in ("48.8566123", "2.3522456", "5e1f0a9b8c7d6e5f4a3b2c1d", "?"):
            assert secret not in exported
        # The client's address and port (the server's own, also loopback here, may stay).
        assert not tracing.CLIENT_ATTRIBUTES & set(span.attributes)
        assert not [name for name in span.attributes if "peer" in name or "client" in name]


def test_without_an_endpoint_nothing_is_traced(client, app):
    assert client.get("/healthz").status_code == 200
    assert not tracing.started()
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
