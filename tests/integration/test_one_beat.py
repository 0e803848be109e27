"""Two real `celery beat` processes on one Redis send each periodic job once a period; when
the one holding the lock is SIGKILLed, the other takes over and the jobs go on, once each."""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from backend.settings import defaults_with
from backend.tasks import _beat_schedule
from tests.support.beat import (
    Beat,
    Sent,
    assert_sent_once_a_period,
    each_sent,
    received,
    spawn_beat,
)
from tests.support.processes import spawn_worker, wait_until
from tests.support.services import redis_process

pytestmark = pytest.mark.integration

EVERY = 4.0  # seconds: every job of the schedule, the hourly and nightly ones included
LOCK_TIMEOUT = 3
PERIODS = 3
JOBS = {name: entry["task"] for name, entry in _beat_schedule(defaults_with()).items()}


@pytest.fixture(autouse=True)
def _once(backend_name):
    if backend_name == "sqlite":
        pytest.skip("beat's lock lives in the broker's Redis, whatever the database")


def assert_once_a_period(sent: list[Sent]) -> None:
    assert_sent_once_a_period(sent, EVERY)


def every_job_sent(sent: list[Sent], times: int) -> bool:
    return each_sent(sent, JOBS, times)


def test_two_beats_send_each_job_once_a_period_and_survive_a_sigkill(app_config, tmp_path):
    config = app_config | {
        "BEAT_KEY_PREFIX": f"fairfield:beat:{uuid.uuid4().hex}:",
        "BEAT_LOCK_TIMEOUT_SECONDS": LOCK_TIMEOUT,
    }
    worker = spawn_worker(config, tmp_path / "worker.log", name="beat-test")
    first = spawn_beat(config, tmp_path / "beat-1.log", every_seconds=EVERY)
    second = None
    try:
        wait_until(first.acquired_at, 60, "the first beat to take the lock")
        second = spawn_beat(config, tmp_path / "beat-2.log", every_seconds=EVERY)
        wait_until(second.started, 60, "the second beat to start and wait")

        wait_until(lambda: every_job_sent(first.sent(), PERIODS), 120, "3 periods of each job")
        assert second.sent() == []  # it waits, and sends nothing
        assert second.acquired_at() is None
        assert {s.job for s in first.sent()} == set(JOBS)
        assert_once_a_period(first.sent())

        before = first.sent()
        first.kill()  # SIGKILL: its lock is never released, only expires
        killed_at = datetime.now(UTC)
        took_over = wait_until(second.acquired_at, LOCK_TIMEOUT + 60, "the takeover")
        wait_until(lambda: every_job_sent(second.sent(), PERIODS), 120, "3 periods after it")
        second.stop()

        after = second.sent()
        assert min(s.at for s in after) >= killed_at  # nothing sent while the first lived
        assert first.sent() == before  # and the dead one sent nothing more
        assert_once_a_period(before + after)  # across the takeover too
        print(f"takeover {(took_over - killed_at).total_seconds():.1f} s after the SIGKILL")

        # Every send reached the worker as a task, once (the worker also takes the tasks the
        # jobs send themselves, such as the nightly check's run: those are not counted).
        sent_tasks = Counter(s.task for s in before + after)

        def taken() -> Counter[str]:
            return Counter({t: n for t, n in received(worker).items() if t in sent_tasks})

        with contextlib.suppress(AssertionError):
            wait_until(lambda: taken() == sent_tasks, 60, "the worker to take every task")
        assert taken() == sent_tasks
    finally:
        for beat in (first, second):
            if beat is not None:
                beat.kill()
        worker.stop()


def test_a_beat_that_stops_hands_over_at_once(app_config, tmp_path):
    """A beat that stops (SIGTERM, a deploy) releases its lock: the other takes it within
    the wait below, far shorter than the lock timeout, so only the release explains it."""
    config = app_config | {
        "BEAT_KEY_PREFIX": f"fairfield:beat:{uuid.uuid4().hex}:",
        "BEAT_LOCK_TIMEOUT_SECONDS": 3600,
    }
    first = spawn_beat(config, tmp_path / "beat-1.log", every_seconds=EVERY)
    second = spawn_beat(config, tmp_path / "beat-2.log", every_seconds=EVERY)
    try:
        holder = wait_until(
            lambda: next((b for b in (first, second) if b.acquired_at()), None), 60, "a holder"
        )
        waiting = second if holder is first else first
        wait_until(waiting.started, 60, "the other beat to start")
        holder.stop()
        wait_until(waiting.acquired_at, 60, "the lock released at stop")
    finally:
        first.kill()
        second.kill()


def test_beats_ride_out_a_redis_restart_and_still_send_once(app_config, tmp_path):
    """Redis dies and comes back empty (no lock, no schedule): neither beat exits; one takes
    the lock again, writes the code's schedule again, and each job goes on once a period."""
    with redis_process() as server:
        config = app_config | {
            "BROKER_URL": f"{server.url}/1",
            "BEAT_KEY_PREFIX": "fairfield:beat:",
            "BEAT_LOCK_TIMEOUT_SECONDS": LOCK_TIMEOUT,
        }
        beats = [
            spawn_beat(config, tmp_path / f"beat-{n}.log", every_seconds=EVERY) for n in (1, 2)
        ]
        try:
            wait_until(lambda: every_job_sent(sent_by(beats), 2), 120, "2 periods of each job")
            server.kill()
            server.start()
            restarted_at = datetime.now(UTC)

            def since() -> list[Sent]:
                return [s for s in sent_by(beats) if s.at > restarted_at]

            wait_until(lambda: every_job_sent(since(), PERIODS), 120, "3 periods after it")
            assert [beat.proc.poll() for beat in beats] == [None, None]  # both still running
            assert_once_a_period(since())
            assert all(len({b for b in beats if s in b.sent()}) == 1 for s in since())
        finally:
            for beat in beats:
                beat.kill()


def sent_by(beats: list[Beat]) -> list[Sent]:
    return [s for beat in beats for s in beat.sent()]


def test_a_beat_started_while_redis_is_down_waits_for_it(app_config, tmp_path):
    with redis_process() as server:
        config = app_config | {
            "BROKER_URL": f"{server.url}/1",
            "BEAT_LOCK_TIMEOUT_SECONDS": LOCK_TIMEOUT,
        }
        server.kill()
        beat = spawn_beat(config, tmp_path / "beat.log", every_seconds=EVERY)
        try:
            wait_until(lambda: "Redis unreachable" in beat.log.read_text(), 60, "a try")
            assert beat.sent() == []
            server.start()
            wait_until(lambda: every_job_sent(beat.sent(), 1), 120, "a period of each job")
            assert beat.proc.poll() is None
        finally:
            beat.kill()
