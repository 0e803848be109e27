"""Real Celery worker processes for tests, started from the same settings as the app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


# Standard variables a test may give in the config: passed under their own names.
STANDARD_PREFIXES = ("OTEL_", "SENTRY_")


def setting_env(config: dict[str, Any]) -> dict[str, str]:
    """The app config as FAIRFIELD_* variables, as a deployed worker would get them; the
    standard OTEL_* and SENTRY_* ones (FAIRFIELD_SENTRY_TRACES_SAMPLE_RATE aside) as such."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FAIRFIELD_", *STANDARD_PREFIXES))
    }
    for key, value in config.items():
        standard = key.startswith(STANDARD_PREFIXES) and key != "SENTRY_TRACES_SAMPLE_RATE"
        name = key if standard else f"FAIRFIELD_{key}"
        env[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


class Worker:
    def __init__(self, proc: subprocess.Popen[bytes], log: Path) -> None:
        self.proc, self.log = proc, log

    def kill(self) -> None:
        """SIGKILL the worker and its pool children: no shutdown, no acks, nothing flushed."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


def spawn_worker(
    config: dict[str, Any],
    log: Path,
    *,
    name: str,
    concurrency: int = 1,
    loglevel: str = "INFO",
    beat_schedule: Path | None = None,
) -> Worker:
    """`celery worker` on these settings, as a deployment starts it; with beat embedded
    (`-B`, so the sweepers run) when given a schedule file."""
    command = [CELERY, "-A", "workers.celery_app:celery", "worker"]
    if beat_schedule is not None:
        command += ["-B", "-s", str(beat_schedule)]
    command += [f"--concurrency={concurrency}", f"--loglevel={loglevel}", "-n", f"{name}@%h"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=setting_env(config | {"LOG_LEVEL": loglevel}),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Worker(proc, log)


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def crash_settings(redis_url: str) -> dict[str, Any]:
    """Settings for a crash test: a broker of its own, emptied; sweeps and redelivery fast;
    SQLite writers that wait out a test's lock."""
    broker = f"{redis_url}/2"
    redis.Redis.from_url(broker).flushdb()
    return {
        "BROKER_URL": broker,
        "OUTBOX_SWEEP_SECONDS": 1,
        "OUTBOX_RESEND_AFTER_SECONDS": 3,
        "SQLITE_BUSY_TIMEOUT_MS": 120_000,
        "BROKER_VISIBILITY_TIMEOUT": 6,
    }


def unacked_ids(broker_client: Any) -> set[str]:
    """Task ids a worker has taken from Redis but not acknowledged."""
    return {json.loads(raw)[0]["headers"]["id"] for raw in broker_client.hvals("unacked")}
