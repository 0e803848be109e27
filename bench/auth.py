"""A burst of sign-ups, then of logins, over HTTP against gunicorn at the default argon2 cost."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from backend.config import DEFAULTS
from backend.kernel.ids import new_id
from bench.common import bench_app
from tests.support.load import gunicorn

CLIENT_TIMEOUT_S = 120


def _post(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    """POST JSON over a fresh connection, no bearer token; (status, JSON body or None)."""
    parts = urllib.parse.urlsplit(url)
    content = json.dumps(body).encode()
    head = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
        "Connection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=CLIENT_TIMEOUT_S) as sock:
        sock.sendall(head.encode() + content)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    status_line, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    try:
        answer = json.loads(payload) if payload else None
    except ValueError:
        answer = None
    return int(status_line.split(b" ", 2)[1]), answer


def _burst(url: str, bodies: list[dict[str, Any]]) -> list[tuple[str, float, float]]:
    """Send every body at once, one thread each behind a barrier; (outcome, start, end) each.

    The outcome is the status and the problem's code ("201", "500 internal_error"), or the
    client-side failure ("timeout", "ConnectionResetError"): a failure is reported, not raised.
    """
    barrier = threading.Barrier(len(bodies))

    def one(body: dict[str, Any]) -> tuple[str, float, float]:
        # A thread that came late breaks the barrier: send anyway rather than hang.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=60)
        started = time.perf_counter()
        try:
            status, answer = _post(url, body)
            code = answer.get("code") if isinstance(answer, dict) and status >= 400 else None
            outcome = f"{status} {code or ''}".strip()
        except TimeoutError:
            outcome = "timeout"
        except OSError as exc:
            outcome = type(exc).__name__
        except (ValueError, IndexError):  # closed before a whole status line came back
            outcome = "malformed_response"
        return outcome, started, time.perf_counter()

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(one, bodies))


def _phase(results: list[tuple[str, float, float]], ok: str) -> dict[str, Any]:
    """Counts, latencies (every request, failures at the time they failed) and throughput."""
    outcomes = Counter(outcome for outcome, _, _ in results)
    latencies = sorted(end - start for _, start, end in results)
    wall = max(end for _, _, end in results) - min(start for _, start, _ in results)
    return {
        "ok": outcomes[ok],
        "errors": sum(n for outcome, n in outcomes.items() if outcome != ok),
        "errors_by_status": {outcome: n for outcome, n in outcomes.items() if outcome != ok},
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[max(int(len(latencies) * 0.95) - 1, 0)] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(results) / wall, 1),
        "ok_per_s": round(outcomes[ok] / wall, 1),
    }


def run(url: str, broker: str, var: str, burst: int) -> dict[str, Any]:
    bench_app(url, broker, var)  # migrates the database
    config = {
        "DATABASE_URL": url,
        "BROKER_URL": broker,
        "VAR_DIR": var,
        "RATELIMIT_ENABLED": False,
        # The production cost, stated so that an environment with the tests' fast hashing
        # does not leak in: the point is how hashing and the write lock get along.
        "ARGON2_TIME_COST": DEFAULTS["ARGON2_TIME_COST"],
        "ARGON2_MEMORY_KIB": DEFAULTS["ARGON2_MEMORY_KIB"],
    }
    run_id = new_id()[:8]
    log = Path(var) / f"gunicorn-auth-{run_id}.log"
    accounts = [
        {"email": f"burst{i}-{run_id}@auth.test", "password": f"burst password {i} {run_id}"}
        for i in range(burst)
    ]
    # One sync worker per core, as `make run` starts it on this machine (claims does the same).
    workers = os.cpu_count() or 2
    with gunicorn(config, log, workers) as base:
        signups = _burst(
            f"{base}/auth/register",
            [a | {"role": "worker", "display_name": f"Burst {i}"} for i, a in enumerate(accounts)],
        )
        logins = _burst(f"{base}/auth/token", accounts)
    text = log.read_text(errors="replace")
    return {
        "gunicorn_workers": workers,
        "burst": burst,
        "argon2_time_cost": config["ARGON2_TIME_COST"],
        "argon2_memory_kib": config["ARGON2_MEMORY_KIB"],
        "client_timeout_s": CLIENT_TIMEOUT_S,
        "signups": _phase(signups, "201"),
        "logins": _phase(logins, "200"),
        "database_is_locked_in_log": "database is locked" in text,
    }
