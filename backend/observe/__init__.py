"""Seeing across nodes: the request id and trace context a task inherits from its request,
OpenTelemetry traces and Sentry error reports (each only when configured).

`init_app` is called by create_app, `init_celery` when Celery is wired in. Sentry starts with
the app, in every process that builds one (its transport restarts its thread after a fork,
and its Celery integration must wrap the tasks before the worker forks its pool). The
OpenTelemetry provider is process-wide and set once: it starts after any fork, on the API's
first request and in each Celery pool process.
"""

from __future__ import annotations

from celery import Celery, signals
from flask import Flask

from backend.observe import errors, propagation, tracing
from backend.settings import settings_of

API_SERVICE = "fairfield-api"
WORKER_SERVICE = "fairfield-worker"


def init_app(app: Flask) -> None:
    """Report this process's errors and trace its requests, when configured; else nothing."""
    settings = settings_of(app)
    errors.start(settings)
    if not settings.otel_traces_url:
        return

    @app.before_request
    def _start_tracing() -> None:
        # After gunicorn's fork: the exporter's thread and socket belong to this process.
        tracing.start(settings, service=API_SERVICE)

    # Registered after the hook above, so the first request's span finds the provider.
    tracing.instrument_flask(app, settings)


def init_celery(celery: Celery, app: Flask) -> None:
    """Tasks log under their request's id and join its trace; errors and spans exported."""
    settings = settings_of(app)
    propagation.connect()
    if settings.otel_traces_url:

        def _start_tracing(**_: object) -> None:
            tracing.start(settings, service=WORKER_SERVICE)

        signals.worker_process_init.connect(
            _start_tracing, weak=False, dispatch_uid="fairfield.tracing"
        )
