"""A backend's market day: warm, the steps to the knee, each operation alone, the soak."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import shutil
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psutil
import redis
from sqlalchemy import select

from backend.db import Database
from backend.submissions.models import Submission
from bench.common import bench_app, settle
from bench.load import faults
from bench.load.ceiling import Meter, Servers, measure_reads, measure_submissions, postmaster
from bench.load.pool import PhotoPool
from bench.load.sizes import CELERY_CONCURRENCY, FIXED, WARM, Sizes
from bench.load.soak import error_lines, fault_stretch, soak
from bench.load.steps import Stack, knee_index, operations, run_locust, step_figures
from bench.load.world import Caller, Submissions, build_world, drained, open_missions
from tests.support.load import spawn_gunicorn
from tests.support.services import postgres_process, redis_process

# -- a backend's run -----------------------------------------------------------------------


def statuses(db: Database) -> dict[str, Any]:
    with db.transaction(write=False) as session:
        rows = session.execute(select(Submission.status, Submission.reasons, Submission.flags))
        found = [(r.status, [*r.reasons, *r.flags]) for r in rows]
    return {
        "statuses": dict(Counter(status for status, _ in found)),
        "reasons_and_flags": dict(Counter(why for _, whys in found for why in whys)),
    }


def _figures(raw: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """The knee, the latency per operation there, the mix, and the ceiling from the mix."""
    steps = [step_figures(step, i) for i, step in enumerate(raw["steps"])]
    index = knee_index(raw)
    if index is None:  # the first step is past the knee already: no ratio to give
        return {"knee": None, "steps": steps, "stopped": raw["stopped"], "knee_over_ceiling": None}
    knee, at = steps[index], raw["steps"][index]
    counts = {name: len(times) for name, times in at["times_ms"].items()}
    mix = {name: count / sum(counts.values()) for name, count in sorted(counts.items())}
    missing = set(mix) - set(meter.ms)
    assert not missing, f"operations of the mix not measured alone: {missing}"
    mix_cpu_s = sum(share * meter.ms[name] for name, share in mix.items()) / 1000
    cores = os.cpu_count() or 2
    ceiling = (cores - knee["generator_cores"]) / mix_cpu_s
    return {
        "knee": {
            "requests_per_s": knee["requests_per_s"],
            "submissions_per_min": knee["submissions_per_min"],
            "users": knee["users"],
            "p99_ms": knee["p99_ms"],
            "step": index,
        },
        "at_knee": operations(at),
        "steps": steps,
        "stopped": raw["stopped"],
        "mix": {name: round(share, 4) for name, share in mix.items()},
        "cpu_ms_per_operation": meter.ms,
        "idle_server_cores": round(meter.idle_cores, 4),
        "mix_cpu_ms_per_request": round(mix_cpu_s * 1000, 3),
        "cores": cores,
        "generator_cores": knee["generator_cores"],
        "ceiling_requests_per_s": round(ceiling, 1),
        "knee_over_ceiling": round(knee["requests_per_s"] / ceiling, 3),
    }


def _warm(stack: Stack, caller: Caller) -> None:
    """Two whole submissions and a few reads first: gunicorn's and Celery's imports, pools."""
    world = stack.world
    missions = open_missions(stack.db, world.campaigns[0], WARM)
    tokens = world.spare_tokens[-WARM:]
    Submissions(caller, stack.db, stack.pool, tokens, missions).whole(0)
    for campaign in world.campaigns[-2:]:
        caller.call("GET", f"/api/v1/campaigns/{campaign}/results", world.brand_token, 200)
    caller.call("GET", "/api/v1/review/queue", world.admin_token, 200)


def _market_day(stack: Stack) -> dict[str, Any]:
    """Warm, step the load to the knee, measure each operation alone, then soak."""
    sizes, db, caller = stack.sizes, stack.db, Caller(stack.host)
    _warm(stack, caller)
    raw = run_locust(stack, "steps", pool_first=WARM)
    started = time.monotonic()
    drained(db)
    drained_s = round(time.monotonic() - started, 1)
    meter = Meter(Servers(stack.roots), db)
    meter.idle()
    first = max(raw["pairs_taken"], WARM)
    alone = min(sizes.submissions, sizes.rounds)
    # Measured on a campaign without review, as 19 in 20 submissions of the load are: one for
    # a person has its review copies made too.
    missions = open_missions(db, stack.world.campaigns[0], sizes.rounds)
    tokens = stack.world.spare_tokens[: sizes.rounds]
    subs = Submissions(caller, db, stack.pool, tokens, missions)
    measure_submissions(meter, subs, first, alone)
    # Submissions for a person to decide, made outside any window.
    reviewed = open_missions(db, stack.world.campaigns[-1], alone)
    tokens = stack.world.soak_tokens[-alone:]
    Submissions(caller, db, stack.pool, tokens, reviewed).whole(first + alone)
    drained(db)  # their review copies too
    measure_reads(meter, caller, stack.world, db, sizes.rounds)
    first += 2 * alone
    result = _figures(raw, meter) | {"photo_pairs_used": first, "drained_s": drained_s}
    if result["knee"] is None:
        result["cpu_ms_per_operation"] = meter.ms
    elif sizes.soak_s and not db.is_sqlite:  # one soak, on the production database
        workers = result["knee"]["users"] - sum(FIXED.values())
        users = sum(FIXED.values()) + max(round(workers * 0.8), 1)
        # Photos for the soak, made before it (servers idle): a quarter more than its workers
        # would take at the best rate a worker reached in any step (fewer wait less).
        fixed = sum(FIXED.values())
        rate = max(s["submissions_per_min"] / (s["users"] - fixed) for s in result["steps"])
        need = rate * (users - fixed) * sizes.soak_s / 60 * 1.25 + 20
        stack.pool.grow(first + math.ceil(need), f"soak on {stack.var.name}")
        result["soak"] = soak(stack, first, users)
        result["photo_pairs_used"] = result["soak"].pop("pairs_taken") or first
        if stack.services is not None and sizes.faults_s:
            first = result["photo_pairs_used"]
            stack.pool.discard(first)  # both databases have had these: room on the disk
            need = rate * (users - fixed) * sizes.faults_s / 60 * 1.25 + 20
            stack.pool.grow(first + math.ceil(need), f"fault stretch on {stack.var.name}")
            result["soak"]["faults"] = fault_stretch(stack, first, users)
            result["photo_pairs_used"] = result["soak"]["faults"].pop("pairs_taken") or first
    return result


def run(
    url: str,
    broker: str,
    var: Path,
    pool: PhotoPool,
    sizes: Sizes,
    services: faults.Services | None = None,
) -> dict[str, Any]:
    """The market day on one database, against gunicorn (one sync worker per core), a real
    Celery worker (prefork, relay on commit) and Redis; with `services` (servers of the run's
    own and a photo disk, which the faults restart and fill), the soak's fault stretch too."""
    redis.Redis.from_url(broker).flushdb()  # earlier sections' tasks, whose rows are gone
    app = bench_app(url, broker, str(var))
    db: Database = app.extensions["fairfield.db"]
    world = build_world(app, sizes if services else dataclasses.replace(sizes, faults_s=0))
    settle(db)
    config: dict[str, Any] = {
        "DATABASE_URL": url,
        "BROKER_URL": broker,
        "VAR_DIR": str(var),
        "RATELIMIT_ENABLED": False,
        "OUTBOX_RELAY_ON_COMMIT": True,
    }
    if services is not None and services.faulty:
        # A killed worker's tasks come back within 30 s; the sweeper (beat, in the fault
        # stretch only) sends again after 15 s what Redis lost.
        config |= {
            "PHOTO_DIR": str(services.photo_dir),
            "BROKER_VISIBILITY_TIMEOUT": 30,
            "OUTBOX_RESEND_AFTER_SECONDS": 15,
        }
    services = services or faults.Services()  # a worker to start, no servers of its own
    services.config, services.logs, services.concurrency = config, var, CELERY_CONCURRENCY
    services.start_worker()
    gunicorn, base = spawn_gunicorn(config, var / "gunicorn-load.log", os.cpu_count() or 2)
    stack: Stack | None = None
    try:
        assert services.worker is not None
        roots = {
            "gunicorn": psutil.Process(gunicorn.pid),
            "celery": psutil.Process(services.worker.proc.pid),
            "redis": psutil.Process(int(redis.Redis.from_url(broker).info("server")["process_id"])),
        }
        if not db.is_sqlite:
            roots["postgres"] = postmaster(db)
        host = base.removesuffix("/api/v1")
        own = services if services.faulty else None
        stack = Stack(host, broker, db, world, pool, sizes, var, roots, own)
        result = _market_day(stack)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(30)
        services.stop_worker()
    logs = [var / "gunicorn-load.log", *sorted(var.glob("celery-*.log"))]
    result |= {
        "gunicorn_workers": os.cpu_count() or 2,
        "celery_concurrency": CELERY_CONCURRENCY,
        "submissions": statuses(db),
        # Before the fault stretch, if any: its own are in its report.
        "error_lines_in_logs": [
            line[:300] for line in error_lines(logs, until=stack.marks if stack else None)[:30]
        ],
    }
    db.engine.dispose()
    return result


def run_both(tmp: str, broker: str, sizes: Sizes) -> dict[str, Any]:
    """The photo pool (timed apart), then the market day on SQLite and on PostgreSQL; both use
    the same pool, each database seeing each photo once. PostgreSQL runs on a cluster and a
    Redis of its own, its photos on a loop-mounted disk of its own: the faults restart and
    fill them (without root, no disk can be mounted: the fault stretch is skipped, saying
    so)."""
    pool = PhotoPool(Path(tmp) / "load-pool")
    pool.grow(sizes.pairs, "steps")
    sqlite_var, pg_var = Path(tmp) / "load-sqlite", Path(tmp) / "load-postgresql"
    sqlite_var.mkdir()
    pg_var.mkdir()
    result: dict[str, Any] = {"sizes": vars(sizes)}
    result["sqlite"] = run(f"sqlite:///{tmp}/load.sqlite", broker, sqlite_var, pool, sizes)
    # Its figures taken, the SQLite run's photos and database give their room back to the
    # PostgreSQL run's photo disk and its soak's pool.
    shutil.rmtree(sqlite_var / "photos", ignore_errors=True)
    for database in Path(tmp).glob("load.sqlite*"):
        database.unlink()
    with contextlib.ExitStack() as servers:
        pg = servers.enter_context(postgres_process())
        own_redis = servers.enter_context(redis_process())
        disk, skipped = None, None
        # Most of what the host disk has left, sparse, for the PostgreSQL run's photos and
        # copies: the pool it reads from shrinks as it goes (consume), but is made before
        # each stretch of load, so some room is kept for it.
        pool.consume = True
        disk_bytes = int(shutil.disk_usage(tmp).free * 0.7)
        if sizes.faults_s:
            try:
                disk = servers.enter_context(
                    faults.photo_disk(Path(tmp) / "load-photos", disk_bytes)
                )
            except (OSError, subprocess.CalledProcessError) as refused:
                said = getattr(refused, "stderr", b"") or b""
                skipped = (
                    "no photo disk of its own to fill (mounting one needs root): "
                    f"{refused} {said.decode(errors='replace').strip()}"
                )
        services = faults.Services(pg, own_redis, disk)
        result["postgresql"] = run(pg.url, f"{own_redis.url}/0", pg_var, pool, sizes, services)
        if disk is not None:
            result["postgresql"]["photo_disk_gib"] = round(disk_bytes / 2**30, 1)
        if skipped is not None:
            result["postgresql"]["faults_skipped"] = skipped
    return {"photo_pool": pool.report()} | result
