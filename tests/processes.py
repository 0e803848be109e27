"""Real Celery worker processes for tests, started from the same settings as the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
CELERY = str(Path(sys.executable).parent / "celery")


def setting_env(config: dict[str, Any]) -> dict[str, str]:
    """The app config as FAIRFIELD_* variables, as a deployed worker would get them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRFIELD_")}
    for key, value in config.items():
        env[f"FAIRFIELD_{key}"] = str(value).lower() if isinstance(value, bool) else str(value)
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


@pytest.fixture
def start_worker(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start `celery worker -B` (beat embedded, so the sweeper runs) on the test's settings."""
    started: list[Worker] = []

    def start(**overrides: Any) -> Worker:
        log = tmp_path / f"worker-{len(started)}.log"
        env = setting_env(app_config | {"LOG_LEVEL": "INFO"} | overrides)
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [
                    CELERY,
                    "-A",
                    "workers.celery_app:celery",
                    "worker",
                    "-B",
                    "--concurrency=1",
                    "--loglevel=INFO",
                    "-n",
                    f"test{len(started)}@%h",
                    "-s",
                    str(tmp_path / f"beat-{len(started)}"),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(proc, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
