"""The soak at 80 % of the knee, then its fault stretch (PostgreSQL, on servers of the
run's own)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import redis
from sqlalchemy import func, select

from backend.outbox.models import OutboxMessage
from backend.reconciliation import ledger as check
from bench.load import faults
from bench.load.steps import Stack, run_locust, step_figures
from bench.load.world import Caller, drained, outbox_pending

# -- the soak: 80 % of the knee's users for a while ------------------------------------------

# Memory is sampled every SAMPLE_S seconds. A Celery child holds a decoded photo for the
# length of a task (RSS about 147 MB between tasks, up to 260 MB in one), and at this load a
# child is in a task at a good share of the readings: one reading at each end measured where
# the children were in their tasks, not growth. A window's figure is the least of its samples,
# what the processes hold between tasks, which a leak raises and a task under way does not;
# its peak is reported beside it. The start window begins 30 s in (imports, pools, caches).
SAMPLE_S, WARM_S, WINDOW_S = 10.0, 30.0, 90.0
KINDS = ("rss", "anon", "uss", "pss")


def _memory_mb(root: psutil.Process) -> dict[str, float]:
    """The resident memory of a process and its children (RSS); the part of it that is not
    shared memory or mapped files (anon: what the processes allocated themselves, counted in
    each like RSS); the part no other process shares (USS); and each page divided among the
    processes that share it (PSS).

    RSS counts PostgreSQL's shared buffers in every backend that touched them, so a warming
    cache looks like a leak there; anon does not. USS grows in forked children (Celery's,
    gunicorn's) as they write to pages they shared with their parent, which moves memory
    from shared to unique without adding any; PSS, summed over the tree, counts each page
    once and so grows only when the tree holds more."""
    totals = dict.fromkeys(KINDS, 0)
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            full = proc.memory_full_info()
            for kind, value in zip(
                KINDS, (full.rss, full.rss - full.shared, full.uss, full.pss), strict=True
            ):
                totals[kind] += value
    return {kind: round(value / 2**20, 1) for kind, value in totals.items()}


def _backlog(stack: Stack) -> dict[str, Any]:
    """What waits: the outbox (never sent, not done) and Redis's queue."""
    with stack.db.transaction(write=False) as session:
        unsent = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.done_at.is_(None), OutboxMessage.last_sent_at.is_(None))
        )
    return {
        "outbox_unsent": unsent,
        "outbox_not_done": outbox_pending(stack.db),
        "redis_queue": redis.Redis.from_url(stack.broker).llen("celery"),
    }


@dataclasses.dataclass
class MemorySeries:
    """Each role's memory (KINDS, MB) every SAMPLE_S seconds of the soak."""

    seconds: list[float] = dataclasses.field(default_factory=list)
    samples: list[dict[str, dict[str, float]]] = dataclasses.field(default_factory=list)

    def take(self, stack: Stack, at: float) -> None:
        self.seconds.append(round(at, 1))
        self.samples.append({role: _memory_mb(root) for role, root in stack.roots.items()})

    def window(self, start: float, end: float) -> dict[str, dict[str, float]]:
        """The least of each role's samples from `start` to `end` s, by kind, and the
        greatest RSS (rss_peak_mb)."""
        inside = [s for t, s in zip(self.seconds, self.samples, strict=True) if start <= t <= end]
        if not inside:
            raise RuntimeError(f"no memory sample between {start} and {end} s of the soak")
        roles = inside[0].keys()
        least = {
            f"{kind}_mb": {role: min(s[role][kind] for s in inside) for role in roles}
            for kind in KINDS
        }
        return least | {
            "rss_peak_mb": {role: max(s[role]["rss"] for s in inside) for role in roles}
        }

    def report(self, soak_s: float) -> dict[str, Any]:
        """The start and end windows' figures, their growth, and the RSS series."""
        start = self.window(WARM_S, WARM_S + WINDOW_S)
        end = self.window(soak_s - WINDOW_S, soak_s)
        return {
            "memory_windows_s": [[WARM_S, WARM_S + WINDOW_S], [soak_s - WINDOW_S, soak_s]],
            "memory_at_start": start,
            "memory_at_end": end,
            **{
                f"{kind}_growth_pct": {
                    role: round((end[f"{kind}_mb"][role] / first - 1) * 100, 1)
                    for role, first in start[f"{kind}_mb"].items()
                }
                for kind in KINDS
            },
            "rss_series_mb": {
                "seconds": self.seconds,
                **{role: [s[role]["rss"] for s in self.samples] for role in self.samples[0]},
            },
        }


def soak(stack: Stack, first_pair: int, users: int) -> dict[str, Any]:
    """The same mix at `users` users for soak_s seconds, with its own workers; each role's
    memory through it (MemorySeries), the backlog after 30 s and at the end, and the ledger
    check once all is decided."""
    memory, backlog, done = MemorySeries(), {}, threading.Event()

    def sample() -> None:
        began = time.monotonic()
        while not done.wait(SAMPLE_S):
            at = time.monotonic() - began
            memory.take(stack, at)
            if "start" not in backlog and at >= WARM_S:
                backlog["start"] = _backlog(stack)
        backlog["end"] = _backlog(stack)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    soak_world = dataclasses.replace(stack.world, worker_tokens=stack.world.soak_tokens)
    try:
        raw = run_locust(
            dataclasses.replace(stack, world=soak_world),
            "soak",
            pool_first=first_pair,
            soak_s=stack.sizes.soak_s,
            soak_users=users,
        )
    finally:
        done.set()
        sampler.join(60)
    drained(stack.db)
    with stack.db.transaction(write=False) as session:
        problems = check.check_ledger(db_session=session)
    return {
        **step_figures(raw["steps"][0], 0),
        "stopped": raw["stopped"],
        **memory.report(stack.sizes.soak_s),
        "backlog_at_start": backlog["start"],
        "backlog_at_end": backlog["end"],
        "ledger_check_problems": problems[:20],
        "pairs_taken": raw["pairs_taken"],
    }


# -- the soak's fault stretch (PostgreSQL, on servers of the run's own) ----------------------


def log_ends(logs: list[Path]) -> dict[str, int]:
    return {str(log): log.stat().st_size for log in logs if log.exists()}


def error_lines(
    logs: list[Path], since: dict[str, int] | None = None, until: dict[str, int] | None = None
) -> list[str]:
    """The error lines of each log from its size in `since` (else its start) to its size in
    `until` (else its end; a log `until` does not name did not exist yet: skipped)."""
    marks = ('"level": "error"', '"level": "critical"', "[ERROR]", "Traceback")
    found = []
    for log in logs:
        if not log.exists() or (until is not None and str(log) not in until):
            continue
        with log.open("rb") as read:
            read.seek((since or {}).get(str(log), 0))
            end = None if until is None else until[str(log)]
            text_ = read.read(None if end is None else max(end - read.tell(), 0))
        lines = text_.decode(errors="replace").splitlines()
        found += [line for line in lines if any(mark in line for mark in marks)]
    return found


def _by_message(lines: list[str]) -> dict[str, int]:
    """Log lines counted by level and message (a JSON line's), else by their first 120 chars."""
    counted: Counter[str] = Counter()
    for line in lines:
        try:
            record = json.loads(line)
            counted[f"{record['level']}: {record['message']}"[:200]] += 1
        except (ValueError, KeyError, TypeError):
            counted[line[:120]] += 1
    return dict(counted.most_common(30))


def _server_logs(stack: Stack) -> list[Path]:
    celery = sorted(stack.var.glob("celery-*.log"))
    return [stack.var / "gunicorn-load.log", *celery, stack.var / "beat-load.log"]


def fault_stretch(stack: Stack, first_pair: int, users: int) -> dict[str, Any]:
    """The soak's load again for faults_s seconds, from phones that wait out an outage and try
    again (locustfile.py, patient), while the faults come one after another (faults.py);
    then a person decides what waits for one, and the checks."""
    services, sizes = stack.services, stack.sizes
    assert services is not None
    stack.marks = log_ends(_server_logs(stack))
    beat = services.start_beat()
    faulting = faults.Faults(services, every=sizes.faults_s / (len(faults.FAULTS) + 1))
    stop = threading.Event()
    thread = threading.Thread(target=faulting.run, args=(stop,), daemon=True)
    thread.start()
    world = dataclasses.replace(stack.world, worker_tokens=stack.world.fault_tokens)
    try:
        raw = run_locust(
            dataclasses.replace(stack, world=world),
            "faults",
            pool_first=first_pair,
            soak_s=sizes.faults_s,
            soak_users=users,
            patient=True,
        )
    finally:
        stop.set()
        thread.join(120)
    caller, admin = Caller(stack.host), stack.world.admin_token

    def decide_waiting() -> int:
        items = caller.call("GET", "/api/v1/review/queue", admin, 200).json()["items"]
        for item in items:
            path, key = f"/api/v1/submissions/{item['id']}/decision", f"approve-{item['id']}"
            body = {"decision": "approve"}
            caller.call("POST", path, admin, 200, 409, json=body, headers={"Idempotency-Key": key})
        return len(items)

    stack.db.engine.dispose()  # its connections died with the restart
    try:
        checked = faults.settle_and_check(
            stack.db, raw["finished"], decide_waiting, str(services.photo_dir)
        )
    finally:
        beat.stop()
    answers = dict(sorted(raw["statuses"].items()))
    return {
        "faults": faulting.log,
        **step_figures(raw["steps"][0], 0),
        "answers": answers,
        "answered_500": sum(n for k, n in answers.items() if k.endswith(" 500")),
        "answered_507": sum(n for k, n in answers.items() if k.endswith(" 507")),
        "answered_503": sum(n for k, n in answers.items() if k.endswith(" 503")),
        "cut_connections": sum(n for k, n in answers.items() if k.endswith(" 0")),
        **checked,
        # What the servers logged as errors meanwhile, by message (each outage's own).
        "error_lines_in_logs": _by_message(error_lines(_server_logs(stack), since=stack.marks)),
        "pairs_taken": raw["pairs_taken"],
    }
