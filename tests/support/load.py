"""Load helpers shared by the claim tests and the claims benchmark: gunicorn, many workers."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from backend.accounts import rules as account_rules
from backend.accounts.models import ApiToken, User
from backend.db import Database
from backend.kernel.ids import new_id
from tests.support.processes import ROOT, setting_env
from tests.support.services import free_port, wait_for_port

# url, bearer token, Idempotency-Key and, optionally, a JSON body
Job = tuple[str, str, str | None] | tuple[str, str, str | None, dict[str, Any]]


def bulk_workers(db: Database, n: int) -> list[str]:
    """n workers with a bearer token each, inserted in bulk; returns the tokens."""
    now = datetime.now(UTC)
    users, tokens, raws = [], [], []
    for i in range(n):
        uid, raw = new_id(), account_rules.new_token()
        users.append(
            {
                "id": uid,
                "email": f"w{i}-{uid[:8]}@load.test",
                "password_hash": "x",
                "role": "worker",
                "display_name": f"W{i}",
                "created_at": now,
            }
        )
        tokens.append(
            {
                "id": new_id(),
                "token_hash": account_rules.token_digest(raw),
                "user_id": uid,
                "created_at": now,
                "expires_at": now + timedelta(hours=1),
            }
        )
        raws.append(raw)
    with db.transaction() as session:
        session.execute(insert(User), users)
        session.execute(insert(ApiToken), tokens)
    return raws


def post(
    url: str, token: str, key: str | None = None, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    """POST (with no body, or JSON) over a fresh connection; (status, JSON body).

    A bare socket rather than urllib: client and server share two cores here, and urllib's
    machinery cost the client more CPU than the server spent answering.
    """
    parts = urllib.parse.urlsplit(url)
    content = json.dumps(body).encode() if body is not None else b""
    lines = [
        f"POST {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        f"Authorization: Bearer {token}",
        f"Content-Length: {len(content)}",
        "Connection: close",
    ]
    if body is not None:
        lines.append("Content-Type: application/json")
    if key is not None:
        lines.append(f"Idempotency-Key: {key}")
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + content)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body or b"{}")


def _fire(jobs: list[Job]) -> list[tuple[int, Any]]:
    """Run in a client process: send its share of the requests from 16 threads."""
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda job: post(*job), jobs))


def fire(pool: Executor, jobs: list[Job], processes: int = 4) -> list[tuple[int, Any]]:
    """Send every job at once from `processes` client processes; results in job order."""
    shares = [jobs[i::processes] for i in range(processes)]
    results: list[tuple[int, Any]] = [(0, None)] * len(jobs)
    for i, share in enumerate(pool.map(_fire, shares)):
        results[i::processes] = share
    return results


def spawn_gunicorn(
    config: dict[str, Any],
    log: Path,
    workers: int = 4,
    log_level: str = "WARNING",
    app: str = "backend.wsgi:app",
) -> tuple[subprocess.Popen[bytes], str]:
    """The API under gunicorn with gunicorn.conf.py, as make run starts it, on these settings,
    in a process group of its own (a test may SIGKILL it whole); the process and its /api/v1
    base URL, once it listens. `app` may name a test's own app (`module:factory()`)."""
    port = free_port()
    env = setting_env(config | {"LOG_LEVEL": log_level})
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                app,
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_port(port, 60)
    except TimeoutError:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        raise
    return proc, f"http://127.0.0.1:{port}/api/v1"


@contextlib.contextmanager
def gunicorn(
    config: dict[str, Any],
    log: Path,
    workers: int = 4,
    log_level: str = "WARNING",
    app: str = "backend.wsgi:app",
) -> Iterator[str]:
    """spawn_gunicorn's API, stopped (SIGTERM) afterwards; yields its /api/v1 base URL."""
    proc, url = spawn_gunicorn(config, log, workers, log_level, app)
    try:
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
