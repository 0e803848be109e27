"""Prometheus metrics: request counts and latency per endpoint, multiprocess-aware."""

from __future__ import annotations

import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "fairfield_http_requests_total", "HTTP requests", ["method", "endpoint", "status"]
)
LATENCY = Histogram(
    "fairfield_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def init_metrics(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.metrics_start = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        start = g.pop("metrics_start", None)
        # Label by route rule, never by raw path: ids would explode the series count.
        endpoint = request.url_rule.rule if request.url_rule else "<unmatched>"
        if start is not None:
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - start)
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        return response


def render_metrics() -> Response:
    """Prometheus text; with several gunicorn workers, PROMETHEUS_MULTIPROC_DIR merges them
    (gunicorn.conf.py sets it up)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        data = generate_latest(registry)
    else:
        data = generate_latest()
    # The whole header as given: `mimetype=` would append a second charset to it. The
    # classic text format (version 0.0.4) is what generate_latest writes.
    return Response(data, content_type=CONTENT_TYPE_PLAIN_0_0_4)
