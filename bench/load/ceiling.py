"""The ceiling: each operation alone, the server processes' CPU per call."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import psutil
from sqlalchemy import text

from backend.db import Database
from bench.load.sizes import CHUNKS
from bench.load.world import Caller, Submissions, World, drained, open_missions
from tests.support.submitting import BRUSSELS


def _tree_cpu(root: psutil.Process) -> float:
    """CPU seconds of a process, its live descendants and the children it has reaped."""
    t = root.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            c = child.cpu_times()
            total += c.user + c.system + c.children_user + c.children_system
    return total


@dataclass
class Servers:
    """The server processes by role: gunicorn, celery, redis and (if used) postgres."""

    roots: dict[str, psutil.Process]

    def cpu_seconds(self) -> float:
        return sum(_tree_cpu(root) for root in self.roots.values())


def postmaster(db: Database) -> psutil.Process:
    with db.engine.connect() as conn:
        backend = psutil.Process(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    parent = backend.parent()
    assert parent is not None, "no postmaster above this backend"
    return parent


# -- the ceiling: each operation alone -----------------------------------------------------


@dataclass
class Meter:
    """The servers' CPU over a window of calls, less what they spend idle, per call."""

    servers: Servers
    db: Database
    idle_cores: float = 0.0
    ms: dict[str, float] = field(default_factory=dict)

    def idle(self, seconds: float = 3.0) -> None:
        cpu, start = self.servers.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        self.idle_cores = (self.servers.cpu_seconds() - cpu) / (time.monotonic() - start)

    @contextlib.contextmanager
    def window(self, name: str, calls: int) -> Iterator[None]:
        """Measure the block's `calls` calls of `name`, until their background work is done."""
        cpu, start = self.servers.cpu_seconds(), time.monotonic()
        yield
        drained(self.db)
        spent = self.servers.cpu_seconds() - cpu - self.idle_cores * (time.monotonic() - start)
        self.ms[name] = round(spent / calls * 1000, 3)


def measure_submissions(meter: Meter, subs: Submissions, first_pair: int, n: int) -> None:
    with meter.window("claim", len(subs.tokens)):
        subs.claim()
    with meter.window("check-in", len(subs.tokens)):
        subs.check_in()
    with meter.window("declare", n):
        subs.declare(first_pair, n)
    with meter.window("head", len(subs.uploads)):
        subs.head()
    # The validation of each submission (on the Celery worker) is charged to its PATCHes.
    with meter.window("patch", len(subs.uploads) * CHUNKS):
        subs.patch()
    with meter.window("poll", len(subs.tokens)):
        for i in range(len(subs.tokens)):
            j = i % n
            subs.caller.call("GET", f"/api/v1/submissions/{subs.ids[j]}", subs.tokens[j], 200)


def measure_reads(meter: Meter, caller: Caller, world: World, db: Database, k: int) -> None:
    token = world.spare_tokens[0]
    missions = open_missions(db, world.campaigns[0], k)
    with meter.window("mission", k):
        for mission, _, _ in missions:
            caller.call("GET", f"/api/v1/missions/{mission}", token, 200)
    query = {"latitude": BRUSSELS[0], "longitude": BRUSSELS[1], "radius_m": 5000, "limit": 20}
    with meter.window("nearby", k):
        for _ in range(k):
            caller.call("GET", "/api/v1/missions/nearby", token, 200, params=query)
    for name, params in (("results", {}), ("results csv", {"format": "csv"})):
        with meter.window(name, k):
            for i in range(k):
                path = f"/api/v1/campaigns/{world.campaigns[i % len(world.campaigns)]}/results"
                caller.call("GET", path, world.brand_token, 200, params=params)
    with meter.window("queue", k):
        for _ in range(k):
            caller.call("GET", "/api/v1/review/queue", world.admin_token, 200)
    queue = caller.call("GET", "/api/v1/review/queue", world.admin_token, 200).json()["items"]
    items = [item["id"] for item in queue][:k]
    assert items, "nothing in the review queue to decide"
    with meter.window("decide", len(items)):
        for item in items:
            path = f"/api/v1/submissions/{item}/decision"
            caller.call("POST", path, world.admin_token, 200, json={"decision": "approve"})
