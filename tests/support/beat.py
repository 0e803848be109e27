"""Real `celery beat` processes for tests, and what their JSON logs say they did."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.support.processes import CELERY, ROOT, Worker, setting_env

SENDING = "Scheduler: Sending due task "
RECEIVED = re.compile(r"Task (?P<task>[\w.]+)\[[0-9a-f-]+\] received")


@dataclass(frozen=True)
class Sent:
    at: datetime
    job: str  # the schedule entry's name: "outbox-sweep"
    task: str  # its task's: "outbox.sweep"


class Beat(Worker):
    """A `celery beat` process; kill() and stop() as a worker's."""

    def lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def sent(self) -> list[Sent]:
        """Each job this beat sent, in order."""
        found = []
        for line in self.lines():
            if line["message"].startswith(SENDING):
                job, task = line["message"][len(SENDING) :].split()
                found.append(Sent(datetime.fromisoformat(line["ts"]), job, task.strip("()")))
        return found

    def acquired_at(self) -> datetime | None:
        """When this beat took the lock, or None while it waits."""
        for line in self.lines():
            if line["message"] == "beat: Acquired lock":
                return datetime.fromisoformat(line["ts"])
        return None

    def started(self) -> bool:
        return any(line["message"] == "beat: Starting..." for line in self.lines())


def assert_sent_once_a_period(sent: list[Sent], every: float) -> None:
    """No job sent twice in one period, whichever beat sent it: consecutive sends of a job
    are a period apart (beat counts the next run from the last one; a second beat sending
    too would halve the gap, or make it nothing)."""
    times: dict[str, list[datetime]] = defaultdict(list)
    for each in sorted(sent, key=lambda s: s.at):
        times[each.job].append(each.at)
    for job, at in times.items():
        gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(at)]
        assert min(gaps, default=every) > every / 2, (job, gaps)


def each_sent(sent: list[Sent], jobs: Iterable[str], times: int) -> bool:
    """Whether every one of these jobs was sent at least `times` times."""
    counts = Counter(s.job for s in sent)
    return all(counts[job] >= times for job in jobs)


def received(worker: Worker) -> Counter[str]:
    """How many of each task a worker has taken from the broker, by task name."""
    found: Counter[str] = Counter()
    for line in worker.log.read_text().splitlines():
        match = RECEIVED.search(line)
        if match:
            found[match["task"]] += 1
    return found


def spawn_beat(config: dict[str, Any], log: Path, *, every_seconds: float | None = None) -> Beat:
    """`celery beat` on these settings, as a deployment starts it (JSON logs at INFO). With
    `every_seconds`, every job of the schedule runs that often (tests/support/beat_app.py)."""
    app = "workers.celery_app:celery"
    env = setting_env(config | {"LOG_LEVEL": "INFO", "LOG_JSON": True})
    if every_seconds is not None:
        app = "tests.support.beat_app:celery"
        env["TEST_BEAT_EVERY_SECONDS"] = str(every_seconds)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [CELERY, "-A", app, "beat", "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Beat(proc, log)
