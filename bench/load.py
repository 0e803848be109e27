"""A market day under load (issue 19): locust steps the users up against gunicorn, a real Celery
worker and Redis until the knee; then each operation alone gives its server CPU, and from the
knee's mix the ceiling two cores could serve."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import redis
import requests
from sqlalchemy import func, select, text, update

from backend.accounts.models import Brand, User
from backend.campaigns.models import Campaign
from backend.db import Database
from backend.kernel.ids import new_id
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.outbox.models import OutboxMessage
from backend.reconciliation import ledger as check
from backend.submissions.models import Submission
from backend.validation.photos import inspect_photo, perceptual_hash
from bench import faults, validate
from bench.common import bench_app, settle
from bench.pipeline import BASES, STRIPS
from tests.support.factories import token_for
from tests.support.load import bulk_workers, spawn_gunicorn
from tests.support.processes import ROOT
from tests.support.services import postgres_process, redis_process
from tests.support.submitting import BRUSSELS, SKUS, honest_payload
from tests.support.tus import TUS
from tests.support.world import build

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
P99_LIMIT_MS, THINK_S = 500.0, (0.2, 0.6)
FIXED = {"brand": 1, "admin": 1}  # throughout; the steps add workers
# Stores within about 100 m of the photos' GPS (their EXIF), inside the 150 m geofence.
SPREAD_DEG, CAMPAIGNS, REWARD = 0.0009, 20, 600
CELERY_CONCURRENCY, WARM, CHUNKS, SETTLE_S = 2, 2, 2, 300.0
PENDING = ("received", "validating")


@dataclass(frozen=True)
class Sizes:
    """The knobs of a run (BENCH_LOAD_* in bench/__main__.py)."""

    step_s: float
    users_step: int
    max_steps: int
    pairs: int  # photo pairs in the pool
    missions: int
    rounds: int  # each operation's calls when measured alone
    submissions: int  # submissions measured alone
    soak_s: float  # 0: no soak
    faults_s: float = 0.0  # the soak's fault stretch after it (PostgreSQL); 0: none


# -- the photo pool ------------------------------------------------------------------------

_BASES: list[np.ndarray] = []


def _pool_photo(job: tuple[str, int]) -> tuple[int, int]:
    """Photo k of the pool, written as <pair>-<0|1>.jpg: a base shelf cut in strips, each
    shifted, maybe mirrored and recoloured (as bench/pipeline.py makes them); its hash, size."""
    folder, k = job
    rng = np.random.default_rng((11, k))
    base = _BASES[k % BASES]
    pixels = np.empty_like(base)
    for top, bottom in itertools.pairwise(np.linspace(0, validate.HEIGHT, STRIPS + 1).astype(int)):
        strip = np.roll(base[top:bottom], int(rng.integers(validate.WIDTH)), 1)
        strip = strip[:, ::-1] if rng.integers(2) else strip
        pixels[top:bottom] = strip[:, :, rng.permutation(3)]
    data = validate.phone_jpeg(pixels, datetime.now(UTC), BRUSSELS)
    (Path(folder) / f"{k // 2:06d}-{k % 2}.jpg").write_bytes(data)
    reduced = inspect_photo(data, validate.LIMITS).reduced
    assert reduced is not None
    return perceptual_hash(reduced), len(data)


@dataclass
class PhotoPool:
    """Pairs of distinct 12 MP phone JPEGs in a folder, made on every core before the run
    that uses them (the soak's once the knee says how many it needs)."""

    folder: Path
    pairs: int = 0
    hashes: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    made: list[dict[str, Any]] = field(default_factory=list)

    def grow(self, pairs: int, why: str) -> None:
        """Make pairs until there are `pairs` in all."""
        if pairs <= self.pairs:
            return
        started = time.perf_counter()
        self.folder.mkdir(parents=True, exist_ok=True)
        fork = get_context("fork")
        if not _BASES:
            with fork.Pool(os.cpu_count() or 2) as pool:
                _BASES[:] = pool.map(validate.shelf_pixels, [100 + b for b in range(BASES)])
        jobs = [(str(self.folder), k) for k in range(self.pairs * 2, pairs * 2)]
        with fork.Pool(os.cpu_count() or 2) as pool:  # forked after: the bases shared, not sent
            for phash, size in pool.map(_pool_photo, jobs, chunksize=4):
                self.hashes.append(phash)
                self.sizes.append(size)
        self.made.append(
            {"for": why, "pairs": pairs - self.pairs, "s": round(time.perf_counter() - started, 1)}
        )
        self.pairs = pairs

    def discard(self, below: int) -> None:
        """Remove the files of pairs below `below`, which no run will use again."""
        for index in range(below):
            for j in range(2):
                (self.folder / f"{index:06d}-{j}.jpg").unlink(missing_ok=True)

    def pair(self, index: int) -> list[bytes]:
        if index >= self.pairs:
            raise RuntimeError(f"the photo pool ({self.pairs} pairs) ran out")
        return [(self.folder / f"{index:06d}-{j}.jpg").read_bytes() for j in range(2)]

    def report(self) -> dict[str, Any]:
        hashes = np.array(self.hashes, dtype=np.uint64)
        nearest = min(
            (
                int(np.bitwise_count(hashes[i + 1 :] ^ hashes[i]).min())
                for i in range(len(hashes) - 1)
            ),
            default=64,
        )
        return {
            "pairs": self.pairs,
            "photo_bytes_mean": int(statistics.mean(self.sizes)),
            "least_hamming_between_photos": nearest,
            "made": self.made,
        }


# -- the servers' CPU ----------------------------------------------------------------------


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


def _postmaster(db: Database) -> psutil.Process:
    with db.engine.connect() as conn:
        backend = psutil.Process(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    parent = backend.parent()
    assert parent is not None, "no postmaster above this backend"
    return parent


# -- the world -----------------------------------------------------------------------------


@dataclass
class World:
    worker_tokens: list[str]  # one per locust worker
    soak_tokens: list[str]  # the soak's, whose workers hold no claim left by the steps
    fault_tokens: list[str]  # the fault stretch's, likewise fresh
    spare_tokens: list[str]  # for the operations measured alone
    brand_token: str
    admin_token: str
    campaigns: list[str]  # the last one's submissions go to a person
    missions: dict[str, list[str]] = field(default_factory=dict)


def build_world(app: Any, sizes: Sizes) -> World:
    """A brand with CAMPAIGNS published, funded campaigns of 2 photos and 2 SKUs (the last
    reviewed by a person) over `missions` stores around Brussels, workers, a brand member and
    an admin."""
    db: Database = app.extensions["fairfield.db"]
    with db.transaction() as session:
        brand = Brand(name=f"Market {new_id()[:8]}")
        session.add(brand)
        session.flush()
        member = User(email="brand@load.test", password_hash="x", role="brand", display_name="B")
        member.brand_id = brand.id
        admin = User(email="admin@load.test", password_hash="x", role="admin", display_name="A")
        session.add_all([member, admin])
    rng, share = random.Random(7), max(sizes.missions // CAMPAIGNS, sizes.rounds)
    points = [
        (
            BRUSSELS[0] + rng.uniform(-1, 1) * SPREAD_DEG,
            BRUSSELS[1] + rng.uniform(-1, 1) * SPREAD_DEG,
        )
        for _ in range(share * CAMPAIGNS)
    ]
    world = World(
        bulk_workers(db, sizes.users_step * sizes.max_steps),
        bulk_workers(db, sizes.users_step * sizes.max_steps),
        bulk_workers(db, sizes.users_step * sizes.max_steps) if sizes.faults_s else [],
        bulk_workers(db, sizes.rounds + WARM),
        token_for(app, member),
        token_for(app, admin),
        [],
    )
    # The last campaign sends every submission to a person: the admins' queue.
    for c in range(CAMPAIGNS):
        part, review = points[c * share : (c + 1) * share], c == CAMPAIGNS - 1
        campaign, ids = build(db, brand.id, part, skus=SKUS, review_required=review, reward=REWARD)
        world.campaigns.append(campaign)
        world.missions[campaign] = ids
    with db.transaction() as session:
        session.execute(
            update(Campaign).where(Campaign.id.in_(world.campaigns)).values(photos_required=2)
        )
        for campaign, ids in world.missions.items():
            ledger.fund_campaign(
                db_session=session,
                campaign_id=campaign,
                amount_minor=REWARD * len(ids),
                currency="EUR",
                now=datetime.now(UTC),
            )
    return world


# -- a sequential client: the warm-up and the operations measured alone -----------------------


class Caller:
    """One client over HTTP; an answer of another status than expected raises."""

    def __init__(self, host: str) -> None:
        self.host, self.session = host, requests.Session()

    def call(self, method: str, path: str, token: str, *ok: int, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} | kwargs.pop("headers", {})
        url = path if path.startswith("http") else self.host + path
        answer = self.session.request(method, url, headers=headers, timeout=120, **kwargs)
        if answer.status_code not in ok:
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _declaration(photos: list[bytes], at: tuple[float, float]) -> dict[str, Any]:
    return {
        "payload": honest_payload(latitude=at[0], longitude=at[1]),
        "photos": [{"size": len(p), "sha256": hashlib.sha256(p).hexdigest()} for p in photos],
    }


def _patches(caller: Caller, token: str, url: str, data: bytes) -> None:
    size, offset = len(data) // CHUNKS + 1, 0
    while offset < len(data):
        headers = TUS | {
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        }
        chunk = data[offset : offset + size]
        answer = caller.call("PATCH", url, token, 204, data=chunk, headers=headers)
        offset = int(answer.headers["Upload-Offset"])


def _open_missions(db: Database, campaign: str, n: int) -> list[tuple[str, float, float]]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Mission.id, Mission.latitude, Mission.longitude)
            .where(Mission.campaign_id == campaign, Mission.status == "open")
            .limit(n)
        ).all()
    if len(rows) < n:
        raise RuntimeError(f"only {len(rows)} open missions left of campaign {campaign}")
    return [(r.id, r.latitude, r.longitude) for r in rows]


def _machine_decided(db: Database, ids: list[str], timeout: float = SETTLE_S) -> None:
    """Wait until the machine has decided every one of these submissions."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.transaction(write=False) as session:
            left = session.scalar(
                select(func.count())
                .select_from(Submission)
                .where(Submission.id.in_(ids), Submission.status.in_(PENDING))
            )
        if not left:
            return
        time.sleep(0.05)
    raise AssertionError(f"{left} of {len(ids)} submissions undecided after {timeout} s")


def _outbox_pending(db: Database) -> int:
    with db.transaction(write=False) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.done_at.is_(None))
            )
            or 0
        )


def _drained(db: Database, timeout: float = SETTLE_S) -> None:
    """Wait until every outbox message is done (its task committed) and no submission waits
    for the machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.transaction(write=False) as session:
            waiting = session.scalar(
                select(func.count()).select_from(Submission).where(Submission.status.in_(PENDING))
            )
        if not waiting and not _outbox_pending(db):
            return
        time.sleep(0.05)
    raise AssertionError(f"not drained after {timeout} s: {_outbox_pending(db)} outbox messages")


@dataclass
class Submissions:
    """Submissions made one call at a time, every operation of theirs in its own window."""

    caller: Caller
    db: Database
    pool: PhotoPool
    tokens: list[str]
    missions: list[tuple[str, float, float]]
    assignments: list[str] = field(default_factory=list)
    uploads: list[tuple[str, str, bytes]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def claim(self) -> None:
        for token, (mission, _, _) in zip(self.tokens, self.missions, strict=True):
            path = f"/api/v1/missions/{mission}/claim"
            answer = self.caller.call("POST", path, token, 201, headers=_key())
            self.assignments.append(answer.json()["assignment_id"])

    def check_in(self) -> None:
        for token, assignment, (_, lat, lon) in zip(
            self.tokens, self.assignments, self.missions, strict=True
        ):
            at = {"latitude": lat, "longitude": lon, "accuracy_m": 8.0}
            self.caller.call(
                "POST", f"/api/v1/assignments/{assignment}/check-in", token, 200, json=at
            )

    def declare(self, first_pair: int, n: int) -> None:
        for i in range(n):
            token, assignment, (_, lat, lon) = self.tokens[i], self.assignments[i], self.missions[i]
            photos = self.pool.pair(first_pair + i)
            path = f"/api/v1/assignments/{assignment}/resumable-submission"
            body = _declaration(photos, (lat, lon))
            answer = self.caller.call("POST", path, token, 201, json=body, headers=_key()).json()
            self.ids.append(answer["submission_id"])
            for upload, photo in zip(answer["uploads"], photos, strict=True):
                self.uploads.append((token, upload["url"], photo))

    def head(self) -> None:
        for token, url, _ in self.uploads:
            answer = self.caller.call("HEAD", url, token, 200, 204, headers=TUS)
            assert answer.headers["Upload-Offset"] == "0", answer.headers

    def patch(self) -> None:
        """Every photo's PATCHes, then the wait for the machine's decisions (their validation)."""
        for token, url, photo in self.uploads:
            _patches(self.caller, token, url, photo)
        _machine_decided(self.db, self.ids)

    def whole(self, first_pair: int) -> None:
        """Claim, check in, declare, upload and wait for the decision: the warm-up."""
        self.claim()
        self.check_in()
        self.declare(first_pair, len(self.tokens))
        self.head()
        self.patch()


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
        _drained(self.db)
        spent = self.servers.cpu_seconds() - cpu - self.idle_cores * (time.monotonic() - start)
        self.ms[name] = round(spent / calls * 1000, 3)


def _ceiling_submissions(meter: Meter, subs: Submissions, first_pair: int, n: int) -> None:
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


def _ceiling_reads(meter: Meter, caller: Caller, world: World, db: Database, k: int) -> None:
    token = world.spare_tokens[0]
    missions = _open_missions(db, world.campaigns[0], k)
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
    marks: dict[str, int] = field(default_factory=dict)  # the logs' sizes when faults began


def _locust(stack: Stack, name: str, **extra: Any) -> Any:
    """Run locust on the market day (see bench/locustfile.py), `sample` called with its process
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
        seen = [_step(step, i) for i, step in enumerate(raw["steps"]) if step["ended"]]
        raise RuntimeError(f"{raw['stopped']}: raise BENCH_LOAD_PHOTOS; the steps: {seen}")
    return raw


def _pct(ordered: list[float], q: float) -> float:
    return round(ordered[max(int(len(ordered) * q) - 1, 0)], 1) if ordered else float("nan")


def _step(raw: dict[str, Any], index: int) -> dict[str, Any]:
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


def _operations(raw: dict[str, Any]) -> dict[str, Any]:
    wall = raw["ended"] - raw["started"]
    return {
        name: {
            "p50_ms": round(statistics.median(times), 1),
            "p99_ms": _pct(sorted(times), 0.99),
            "requests_per_s": round(len(times) / wall, 2),
        }
        for name, times in sorted(raw["times_ms"].items())
    }


def _knee(raw: dict[str, Any]) -> int | None:
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


# -- the soak: 80 % of the knee's users for a while ------------------------------------------


def _rss_mb(root: psutil.Process) -> float:
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += proc.memory_info().rss
    return round(total / 2**20, 1)


def _backlog(stack: Stack) -> dict[str, Any]:
    """Memory by role, and what waits: the outbox (never sent, not done) and Redis's queue."""
    with stack.db.transaction(write=False) as session:
        unsent = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.done_at.is_(None), OutboxMessage.last_sent_at.is_(None))
        )
    return {
        "rss_mb": {role: _rss_mb(root) for role, root in stack.roots.items()},
        "outbox_unsent": unsent,
        "outbox_not_done": _outbox_pending(stack.db),
        "redis_queue": redis.Redis.from_url(stack.broker).llen("celery"),
    }


def _soak(stack: Stack, first_pair: int, users: int) -> dict[str, Any]:
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
    raw = _locust(
        dataclasses.replace(stack, world=soak_world),
        "soak",
        pool_first=first_pair,
        soak_s=stack.sizes.soak_s,
        soak_users=users,
    )
    sampler.join(60)
    _drained(stack.db)
    with stack.db.transaction(write=False) as session:
        problems = check.check_ledger(db_session=session)
    start, end = seen["start"], seen["end"]
    return {
        **_step(raw["steps"][0], 0),
        "stopped": raw["stopped"],
        "at_start": start,
        "at_end": end,
        "rss_growth_pct": {
            role: round((end["rss_mb"][role] / start["rss_mb"][role] - 1) * 100, 1)
            for role in start["rss_mb"]
        },
        "ledger_check_problems": problems[:20],
        "pairs_taken": raw["pairs_taken"],
    }


# -- a backend's run -----------------------------------------------------------------------


def _statuses(db: Database) -> dict[str, Any]:
    with db.transaction(write=False) as session:
        rows = session.execute(select(Submission.status, Submission.reasons, Submission.flags))
        found = [(r.status, [*r.reasons, *r.flags]) for r in rows]
    return {
        "statuses": dict(Counter(status for status, _ in found)),
        "reasons_and_flags": dict(Counter(why for _, whys in found for why in whys)),
    }


def _figures(raw: dict[str, Any], meter: Meter) -> dict[str, Any]:
    """The knee, the latency per operation there, the mix, and the ceiling from the mix."""
    steps = [_step(step, i) for i, step in enumerate(raw["steps"])]
    index = _knee(raw)
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
        "at_knee": _operations(at),
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
    missions = _open_missions(stack.db, world.campaigns[0], WARM)
    tokens = world.spare_tokens[-WARM:]
    Submissions(caller, stack.db, stack.pool, tokens, missions).whole(0)
    for campaign in world.campaigns[-2:]:
        caller.call("GET", f"/api/v1/campaigns/{campaign}/results", world.brand_token, 200)
    caller.call("GET", "/api/v1/review/queue", world.admin_token, 200)


def _market_day(stack: Stack) -> dict[str, Any]:
    """Warm, step the load to the knee, measure each operation alone, then soak."""
    sizes, db, caller = stack.sizes, stack.db, Caller(stack.host)
    _warm(stack, caller)
    raw = _locust(stack, "steps", pool_first=WARM)
    started = time.monotonic()
    _drained(db)
    drained_s = round(time.monotonic() - started, 1)
    meter = Meter(Servers(stack.roots), db)
    meter.idle()
    first = max(raw["pairs_taken"], WARM)
    alone = min(sizes.submissions, sizes.rounds)
    # Measured on a campaign without review, as 19 in 20 submissions of the load are: one for
    # a person has its review copies made too.
    missions = _open_missions(db, stack.world.campaigns[0], sizes.rounds)
    tokens = stack.world.spare_tokens[: sizes.rounds]
    subs = Submissions(caller, db, stack.pool, tokens, missions)
    _ceiling_submissions(meter, subs, first, alone)
    # Submissions for a person to decide, made outside any window.
    reviewed = _open_missions(db, stack.world.campaigns[-1], alone)
    tokens = stack.world.soak_tokens[-alone:]
    Submissions(caller, db, stack.pool, tokens, reviewed).whole(first + alone)
    _drained(db)  # their review copies too
    _ceiling_reads(meter, caller, stack.world, db, sizes.rounds)
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
        result["soak"] = _soak(stack, first, users)
        result["photo_pairs_used"] = result["soak"].pop("pairs_taken") or first
        if stack.services is not None and sizes.faults_s:
            first = result["photo_pairs_used"]
            stack.pool.discard(first)  # both databases have had these: room on the disk
            need = rate * (users - fixed) * sizes.faults_s / 60 * 1.25 + 20
            stack.pool.grow(first + math.ceil(need), f"fault stretch on {stack.var.name}")
            result["soak"]["faults"] = _fault_stretch(stack, first, users)
            result["photo_pairs_used"] = result["soak"]["faults"].pop("pairs_taken") or first
    return result


# -- the soak's fault stretch (PostgreSQL, on servers of the run's own) ----------------------


def _log_ends(logs: list[Path]) -> dict[str, int]:
    return {str(log): log.stat().st_size for log in logs if log.exists()}


def _error_lines(logs: list[Path], since: dict[str, int], until: dict[str, int]) -> list[str]:
    """The error lines of each log between two of its sizes (whole log: {} and {})."""
    marks = ('"level": "error"', '"level": "critical"', "[ERROR]", "Traceback")
    found = []
    for log in logs:
        if not log.exists():
            continue
        with log.open("rb") as read:
            read.seek(since.get(str(log), 0))
            end = until.get(str(log))
            text_ = read.read(None if end is None else max(end - read.tell(), 0))
        lines = text_.decode(errors="replace").splitlines()
        found += [line[:300] for line in lines if any(mark in line for mark in marks)]
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


def _fault_stretch(stack: Stack, first_pair: int, users: int) -> dict[str, Any]:
    """The soak's load again for faults_s seconds, from phones that wait out an outage and try
    again (bench/locustfile.py, patient), while the faults come one after another (bench/
    faults.py); then a person decides what waits for one, and the checks."""
    services, sizes = stack.services, stack.sizes
    assert services is not None
    stack.marks = _log_ends(_server_logs(stack))
    beat = services.start_beat()
    faulting = faults.Faults(services, every=sizes.faults_s / (len(faults.FAULTS) + 1))
    stop = threading.Event()
    thread = threading.Thread(target=faulting.run, args=(stop,), daemon=True)
    thread.start()
    world = dataclasses.replace(stack.world, worker_tokens=stack.world.fault_tokens)
    try:
        raw = _locust(
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
        **_step(raw["steps"][0], 0),
        "answers": answers,
        "answered_500": sum(n for k, n in answers.items() if k.endswith(" 500")),
        "answered_507": sum(n for k, n in answers.items() if k.endswith(" 507")),
        "answered_503": sum(n for k, n in answers.items() if k.endswith(" 503")),
        "cut_connections": sum(n for k, n in answers.items() if k.endswith(" 0")),
        **checked,
        # What the servers logged as errors meanwhile, by message (each outage's own).
        "error_lines_in_logs": _by_message(_error_lines(_server_logs(stack), stack.marks, {})),
        "pairs_taken": raw["pairs_taken"],
    }


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
    if services is not None:
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
            roots["postgres"] = _postmaster(db)
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
        "submissions": _statuses(db),
        # Before the fault stretch, if any: its own are in its report.
        "error_lines_in_logs": _error_lines(logs, {}, stack.marks if stack else {})[:30],
    }
    db.engine.dispose()
    return result


def run_both(tmp: str, broker: str, sizes: Sizes) -> dict[str, Any]:
    """The photo pool (timed apart), then the market day on SQLite and on PostgreSQL; both use
    the same pool, each database seeing each photo once. PostgreSQL runs on a cluster and a
    Redis of its own, its photos on a loop-mounted disk of its own: the faults restart and
    fill them."""
    pool = PhotoPool(Path(tmp) / "load-pool")
    pool.grow(sizes.pairs, "steps")
    sqlite_var, pg_var = Path(tmp) / "load-sqlite", Path(tmp) / "load-postgresql"
    sqlite_var.mkdir()
    pg_var.mkdir()
    result: dict[str, Any] = {"sizes": vars(sizes)}
    result["sqlite"] = run(f"sqlite:///{tmp}/load.sqlite", broker, sqlite_var, pool, sizes)
    # Half of what the host disk has left, sparse: the PostgreSQL run's photos and copies.
    disk_bytes = shutil.disk_usage(tmp).free // 2
    with (
        postgres_process() as pg,
        redis_process() as own_redis,
        faults.photo_disk(Path(tmp) / "load-photos", disk_bytes) as disk,
    ):
        services = faults.Services(pg, own_redis, disk)
        result["postgresql"] = run(pg.url, f"{own_redis.url}/0", pg_var, pool, sizes, services)
        result["postgresql"]["photo_disk_gib"] = round(disk_bytes / 2**30, 1)
    return {"photo_pool": pool.report()} | result
