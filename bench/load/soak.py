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


def _memory_mb(root: psutil.Process) -> dict[str, float]:
    """The resident memory of a process and its children (RSS), the part of it no other
    process shares (USS), and each page divided among the processes that share it (PSS).
    RSS counts PostgreSQL's shared buffers in every backend that touched them, so a growing
    cache looks like a leak there; USS does not. USS grows in forked children (Celery's,
    gunicorn's) as they write to pages they shared with their parent, which moves memory
    from shared to unique without adding any; PSS, summed over the tree, counts each page
    once and so grows only when the tree holds more."""
    rss = uss = pss = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            full = proc.memory_full_info()
            rss, uss, pss = rss + full.rss, uss + full.uss, pss + full.pss
    return {
        role: round(value / 2**20, 1) for role, value in (("rss", rss), ("uss", uss), ("pss", pss))
    }


def _growth_pct(start: dict[str, float], end: dict[str, float]) -> dict[str, float]:
    return {role: round((end[role] / start[role] - 1) * 100, 1) for role in start}


def _backlog(stack: Stack) -> dict[str, Any]:
    """Memory by role, and what waits: the outbox (never sent, not done) and Redis's queue."""
    with stack.db.transaction(write=False) as session:
        unsent = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.done_at.is_(None), OutboxMessage.last_sent_at.is_(None))
        )
    memory = {role: _memory_mb(root) for role, root in stack.roots.items()}
    return {
        "rss_mb": {role: mb["rss"] for role, mb in memory.items()},
        "uss_mb": {role: mb["uss"] for role, mb in memory.items()},
        "pss_mb": {role: mb["pss"] for role, mb in memory.items()},
        "outbox_unsent": unsent,
        "outbox_not_done": outbox_pending(stack.db),
        "redis_queue": redis.Redis.from_url(stack.broker).llen("celery"),
    }


def soak(stack: Stack, first_pair: int, users: int) -> dict[str, Any]:
    """The same mix at `users` users for soak_s seconds, with its own workers; the backlog
    after 30 s and at the end, and the ledger check once all is decided."""
    seen: dict[str, Any] = {}

    def sample() -> None:
        time.sleep(30)
        seen["start"] = _backlog(stack)
        time.sleep(max(stack.sizes.soak_s - 35, 0))
        seen["end"] = _backlog(stack)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    soak_world = dataclasses.replace(stack.world, worker_tokens=stack.world.soak_tokens)
    raw = run_locust(
        dataclasses.replace(stack, world=soak_world),
        "soak",
        pool_first=first_pair,
        soak_s=stack.sizes.soak_s,
        soak_users=users,
    )
    sampler.join(60)
    drained(stack.db)
    with stack.db.transaction(write=False) as session:
        problems = check.check_ledger(db_session=session)
    start, end = seen["start"], seen["end"]
    return {
        **step_figures(raw["steps"][0], 0),
        "stopped": raw["stopped"],
        "at_start": start,
        "at_end": end,
        "rss_growth_pct": _growth_pct(start["rss_mb"], end["rss_mb"]),
        "uss_growth_pct": _growth_pct(start["uss_mb"], end["uss_mb"]),
        "pss_growth_pct": _growth_pct(start["pss_mb"], end["pss_mb"]),
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
