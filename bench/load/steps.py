"""The load: locust in a process of its own, stepping the users up; each step's figures."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from backend.db import Database
from bench.load import faults
from bench.load.pool import PhotoPool
from bench.load.sizes import FIXED, LOCUSTFILE, P99_LIMIT_MS, THINK_S, Sizes
from bench.load.world import World
from tests.support.processes import ROOT

# -- the load: locust in a process of its own ----------------------------------------------


@dataclass
class Stack:
    """One backend's servers and world, as a run uses them."""

    host: str
    broker: str
    db: Database
    world: World
    pool: PhotoPool
    sizes: Sizes
    var: Path
    roots: dict[str, psutil.Process]
    services: faults.Services | None = None  # the PostgreSQL run's, which faults restart
    marks: dict[str, int] | None = None  # the logs' sizes when the faults began


def run_locust(stack: Stack, name: str, **extra: Any) -> Any:
    """Run locust on the market day (see locustfile.py), `sample` called with its process
    while it runs; what it wrote. A crash or a photo pool run dry raises."""
    sizes = stack.sizes
    out = stack.var / f"locust-{name}.json"
    settings = {
        "out": str(out),
        "broker": stack.broker,
        "step_s": sizes.step_s,
        "users_step": sizes.users_step,
        "max_steps": sizes.max_steps,
        "p99_limit_ms": P99_LIMIT_MS,
        "think_s": THINK_S,
        "fixed": FIXED,
        "worker_tokens": stack.world.worker_tokens,
        "brand_token": stack.world.brand_token,
        "admin_token": stack.world.admin_token,
        "campaigns": stack.world.campaigns,
        "pool_dir": str(stack.pool.folder),
        "pool_pairs": stack.pool.pairs,
        "consume_pool": stack.pool.consume,
        **extra,
    }
    config, log = out.with_suffix(".settings"), out.with_suffix(".log")
    config.write_text(json.dumps(settings))
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless"]
    command += ["--host", stack.host, "--only-summary", "--loglevel", "WARNING"]
    with log.open("wb") as written:
        code = subprocess.run(
            command,
            cwd=ROOT,
            env=os.environ | {"BENCH_LOAD_CONFIG": str(config)},
            stdout=written,
            stderr=subprocess.STDOUT,
            timeout=sizes.step_s * (sizes.max_steps + 2) + sizes.soak_s + 120,
            check=False,
        ).returncode
    # locust exits 1 when a request failed: a step past the knee, reported, not a crash.
    if code not in (0, 1) or not out.exists():
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"locust exited {code} without its steps:\n{tail}")
    raw = json.loads(out.read_text())
    if raw["stopped"] and "photo pool" in raw["stopped"]:
        seen = [step_figures(step, i) for i, step in enumerate(raw["steps"]) if step["ended"]]
        raise RuntimeError(f"{raw['stopped']}: raise BENCH_LOAD_PHOTOS; the steps: {seen}")
    return raw


def _pct(ordered: list[float], q: float) -> float:
    return round(ordered[max(int(len(ordered) * q) - 1, 0)], 1) if ordered else float("nan")


def step_figures(raw: dict[str, Any], index: int) -> dict[str, Any]:
    wall = raw["ended"] - raw["started"]
    every = sorted(t for ts in raw["times_ms"].values() for t in ts)
    return {
        "step": index,
        "users": raw["users"],
        "seconds": round(wall, 1),
        "requests_per_s": round(len(every) / wall, 1),
        "submissions_per_min": round(raw["submissions"] / wall * 60, 1),
        "p50_ms": round(statistics.median(every), 1) if every else None,
        "p99_ms": _pct(every, 0.99),
        "errors": sum(raw["failures"].values()),
        "generator_cores": round(raw["cpu_s"] / wall, 3),
        "broker_queue_at_end": raw["broker_queue"],
        **({"error_samples": raw["failure_samples"]} if raw["failures"] else {}),
    }


def operations(raw: dict[str, Any]) -> dict[str, Any]:
    wall = raw["ended"] - raw["started"]
    return {
        name: {
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": _pct(sorted(times), 0.99),
            "requests_per_s": round(len(times) / wall, 2),
        }
        for name, times in sorted(raw["times_ms"].items())
    }


def knee_index(raw: dict[str, Any]) -> int | None:
    """The last step before the first one whose p99 passed the limit or that saw a failure."""
    knee = None
    for index, step in enumerate(raw["steps"]):
        every = sorted(t for ts in step["times_ms"].values() for t in ts)
        if step["ended"] is None or step["failures"] or not every:
            break
        if _pct(every, 0.99) > P99_LIMIT_MS:
            break
        knee = index
    return knee
