"""Seeing across nodes: the request id and trace context a task inherits from its request,
OpenTelemetry traces and Sentry error reports (each only when configured).

`init_app` is called by create_app, `init_celery` when Celery is wired in; the exporters start
once per process after any fork: on the API's first request, in each Celery pool process.
"""

from __future__ import annotations

from celery import Celery, signals
from flask import Flask

from backend.observe import errors, propagation, tracing
from backend.settings import settings_of

API_SERVICE = "fairfield-api"
WORKER_SERVICE = "fairfield-worker"


def init_app(app: Flask) -> None:
    """Report this app's errors and trace its requests, when configured; nothing otherwise."""
    settings = settings_of(app)
    if not (settings.sentry_dsn or settings.otel_traces_url):
        return

    @app.before_request
    def _start_process() -> None:
        # After gunicorn's fork: exporters' threads and sockets belong to this process.
        errors.start(settings, service=API_SERVICE)
        tracing.start(settings, service=API_SERVICE)

    # Registered after the hook above, so the first request's span finds the provider.
    tracing.instrument_flask(app, settings)


def init_celery(celery: Celery, app: Flask) -> None:
    """Tasks log under their request's id and join its trace; errors and spans exported."""
    settings = settings_of(app)
    propagation.connect()
    if settings.sentry_dsn:
        # Sentry wraps the tasks' tracers, which Celery builds before a pool process's
        # init signal: start in the worker's main process, before the fork (as Sentry asks).
        def _start_errors(**_: object) -> None:
            errors.start(settings, service=WORKER_SERVICE)

        signals.worker_init.connect(_start_errors, weak=False, dispatch_uid="fairfield.errors")
    if settings.otel_traces_url:

        def _start_tracing(**_: object) -> None:
            tracing.start(settings, service=WORKER_SERVICE)

        signals.worker_process_init.connect(
            _start_tracing, weak=False, dispatch_uid="fairfield.tracing"
        )
