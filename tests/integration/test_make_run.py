"""The README's first command: `make run` serves the API and console, and a real worker on
the embedded broker (no server installed) consumes a task sent through the outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request

import pytest
from openapi_spec_validator import validate

from tests.support.processes import ROOT, wait_until
from tests.support.services import free_port

pytestmark = pytest.mark.integration


def fetch(url, *, data=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return None, b""


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    port = free_port()
    var = tmp_path_factory.mktemp("make-run") / "var"
    log = var.parent / "make-run.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRFIELD_")}
    env |= {
        "FAIRFIELD_VAR_DIR": str(var),
        "FAIRFIELD_HTTP_PORT": str(port),
        "FAIRFIELD_OUTBOX_SWEEP_SECONDS": "2",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: fetch(f"{base}/healthz")[0] == 200, 120, "make run to serve")
        yield base, proc, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's group
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def test_make_run_serves_docs_and_a_valid_openapi(make_run):
    base, _proc, log = make_run
    status, _ = fetch(f"{base}/docs")
    assert status == 200
    status, body = fetch(f"{base}/openapi.json")
    assert status == 200
    validate(json.loads(body))
    status, body = fetch(f"{base}/readyz")
    checks = {"database": "ok", "broker": "ok", "object_store": "ok"}
    assert (status, json.loads(body)["checks"]) == (200, checks)
    output = log.read_text()
    assert "admin@fairfield.demo" in output  # the demo logins are printed
    assert f"{base}/docs" in output  # and the URLs


def test_make_run_worker_consumes_an_outbox_task(make_run):
    base, _proc, _log = make_run
    status, body = fetch(
        f"{base}/api/v1/auth/token",
        data={"email": "admin@fairfield.demo", "password": "fairfield-demo"},
    )
    assert status == 200, body
    token = json.loads(body)["access_token"]
    status, body = fetch(f"{base}/api/v1/admin/pipeline-checks", data={}, token=token)
    assert status == 202, body
    check_id = json.loads(body)["id"]

    def completed():
        status, body = fetch(f"{base}/api/v1/admin/pipeline-checks/{check_id}", token=token)
        return status == 200 and json.loads(body)["status"] == "completed"

    wait_until(completed, 60, "the worker on the embedded broker")


def test_ctrl_c_stops_all_three(make_run):
    base, proc, _log = make_run
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(30)
    assert fetch(f"{base}/healthz")[0] is None

    def group_gone():
        try:
            os.killpg(proc.pid, 0)  # signal 0: does any process of the group still live?
        except ProcessLookupError:
            return True
        return False

    wait_until(group_gone, 20, "gunicorn, the worker and beat to exit")
