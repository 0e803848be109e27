"""Traces from the API request through the outbox to the Celery task, exported over
OTLP/HTTP to a real local receiver; nothing at all without an endpoint."""

from __future__ import annotations

import pytest
import requests
from opentelemetry import trace

from backend.observe import tracing
from backend.ops.models import PipelineCheck
from backend.outbox.models import OutboxMessage
from tests.support.factories import UserFactory
from tests.support.load import gunicorn
from tests.support.observe import spans
from tests.support.processes import crash_settings, wait_until
from tests.support.receiver import always, receiver

SERVER, CONSUMER = 2, 5  # opentelemetry.proto.trace.v1 Span.SpanKind


def read(db, model, key):
    with db.transaction(write=False) as session:
        return session.get(model, key)


@pytest.mark.integration
@pytest.mark.parametrize("sent_by", ["relay", "sweeper"])
def test_the_task_span_is_a_child_of_the_request_span(
    sent_by, app_config, redis_url, db, make, auth_headers, start_worker, tmp_path
):
    headers = auth_headers(make(UserFactory, admin=True)) | {"X-Request-ID": "abc123"}
    settings = crash_settings(redis_url) | {"OUTBOX_RELAY_ON_COMMIT": sent_by == "relay"}
    with receiver(always(200)) as collector:
        # Given to the processes only: the test's own process never installs a provider.
        otel = settings | {
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
            "OTEL_BSP_SCHEDULE_DELAY": 100,
        }
        with gunicorn(app_config | otel, tmp_path / "gunicorn.log", workers=2) as api:
            answer = requests.post(f"{api}/admin/pipeline-checks", headers=headers, timeout=30)
            assert answer.status_code == 202
            check_id = answer.json()["id"]
        with db.transaction(write=False) as session:
            message = session.query(OutboxMessage).one()
        assert set(message.trace_context) == {"request_id", "traceparent"}
        worker = start_worker(**otel)
        wait_until(lambda: read(db, PipelineCheck, check_id).completed_at, 90, "the worker")

        def both():
            found = spans(collector)
            served = [s for s in found if s.kind == SERVER and "pipeline-checks" in s.name]
            ran = [
                s for s in found if s.kind == CONSUMER and s.name == "ops.complete_pipeline_check"
            ]
            return (served, ran) if served and ran else None

        (served,), (ran,) = wait_until(both, 60, "the request's and the task's spans")
        worker.stop()
    assert served.service == "fairfield-api"
    assert ran.service == "fairfield-worker"
    assert ran.trace_id == served.trace_id
    assert ran.parent_span_id == served.span_id
    assert message.trace_context["traceparent"].split("-")[1:3] == [served.trace_id, served.span_id]


def test_without_an_endpoint_nothing_is_traced(client, app):
    assert client.get("/healthz").status_code == 200
    assert not tracing.started()
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
