"""The API as `make run` and the image start it: gunicorn with gunicorn.conf.py, 2 workers."""

from __future__ import annotations

import contextlib
import logging
import re
import runpy
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.support.load import gunicorn
from tests.support.processes import ROOT

CONFIG = ROOT / "gunicorn.conf.py"
SECRET_QUERY = "latitude=50.84661&longitude=4.35280&token=s3cr3t-t0ken&signature=abcdef987"


@contextlib.contextmanager
def _gunicorn(config: dict[str, Any], log: Path, workers: int = 2) -> Iterator[str]:
    """make run's gunicorn, logging at INFO; yields its origin."""
    with gunicorn(config, log, workers, log_level="INFO") as base:
        yield base.removesuffix("/api/v1")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_no_log_line_holds_a_query_string(app_config, tmp_path):
    log = tmp_path / "gunicorn.log"
    with _gunicorn(app_config, log) as origin:
        assert _get(f"{origin}/api/v1/missions/nearby?{SECRET_QUERY}")[0] == 401
        assert _get(f"{origin}/healthz?{SECRET_QUERY}")[0] == 200
    text = log.read_text()
    # Both logs saw the requests: gunicorn's access log and the app's own.
    assert re.search(r'"GET /api/v1/missions/nearby HTTP/1\.1" 401', text), text
    assert '"path": "/api/v1/missions/nearby"' in text, text
    for secret in ("50.84661", "4.35280", "s3cr3t-t0ken", "abcdef987", "nearby?", "healthz?"):
        assert secret not in text, secret


def test_a_failed_request_is_named_in_the_error_log_without_its_query():
    settings = runpy.run_path(str(CONFIG))
    record = logging.LogRecord(
        "gunicorn.error", logging.ERROR, __file__, 1, "Error handling request %s %s",
        ("GET", f"/api/v1/missions/nearby?{SECRET_QUERY}"), None,
    )  # fmt: skip
    for kept in logging.getLogger("gunicorn.error").filters:
        kept.filter(record)
    assert record.getMessage() == "Error handling request GET /api/v1/missions/nearby"
    assert "on_starting" in settings
    assert "child_exit" in settings


def _served(metrics: str, endpoint: str) -> float:
    pattern = (
        rf'fairfield_http_requests_total\{{[^}}]*endpoint="{re.escape(endpoint)}"[^}}]*\}} (\S+)'
    )
    return sum(float(count) for count in re.findall(pattern, metrics))


def test_metrics_add_up_every_worker(app_config, tmp_path):
    workers, sent = 2, 0
    counted_by = Path(app_config["VAR_DIR"]) / "prometheus"  # a file per worker that counted
    with _gunicorn(app_config, tmp_path / "gunicorn.log", workers) as origin:
        # Bursts until every worker has served some (the port opens before both are up).
        with ThreadPoolExecutor(12) as pool:
            while len(list(counted_by.glob("counter_*.db"))) < workers:
                assert sent < 1200, "one worker served everything"
                burst = list(pool.map(lambda _: _get(f"{origin}/healthz")[0], range(24)))
                assert burst == [200] * 24
                sent += 24
        # Whichever worker answers a scrape, it counts the requests every worker served.
        for _ in range(6):
            status, metrics = _get(f"{origin}/metrics")
            assert status == 200
            assert _served(metrics, "/healthz") == sent


def test_make_run_and_the_image_start_gunicorn_with_this_config():
    procfile = (ROOT / "Procfile").read_text()
    api = next(line for line in procfile.splitlines() if line.startswith("api:"))
    assert " -c gunicorn.conf.py " in api
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert '"-c", "gunicorn.conf.py"' in dockerfile
    assert "gunicorn.conf.py ./" in dockerfile  # copied into the image
    # A format given on the command line would override the file's.
    assert "access-logformat" not in procfile + dockerfile
