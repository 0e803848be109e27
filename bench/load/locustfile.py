"""The market day's people for locust (run by bench/load/steps.py in a process of its own): workers
who browse nearby, read missions, claim, check in, submit two photos with tus and poll the
decision; brands who read their results and export them; admins who page the queue and decide.

The settings come from the JSON file named by BENCH_LOAD_CONFIG; what every step saw is written
to the file it names under "out" when locust quits. A request answered otherwise than a person
expects is a failure locust counts; the shape steps the users up until a step's p99 passes the
limit or anything fails, then stops.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import resource
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import redis
from locust import LoadTestShape, between, events, task
from locust.contrib.fasthttp import FastHttpUser, ResponseContextManager

from tests.support.submitting import BRUSSELS, honest_payload
from tests.support.tus import TUS

SETTINGS: dict[str, Any] = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text())
BROKER = redis.Redis.from_url(SETTINGS["broker"])
CHUNKS = 2  # tus PATCHes a photo
# With "patient" set (the soak's fault stretch), a phone meeting an outage (no answer, 502-504,
# a full disk's 507) tries again for up to PATIENCE_S, as the worker app does; what it met is
# counted by status, and only what no fault explains (a 500, any other status) is a failure.
PATIENT = bool(SETTINGS.get("patient"))
PATIENCE_S, RETRY_AFTER_S = 120.0, 1.0
OUTAGE = (0, 502, 503, 504, 507)
NEARBY_PER_CLAIM, MISSIONS_PER_CLAIM, POLLS, RESULTS_PER_VISIT = 3, 2, 2, 2
API = "/api/v1"


class PoolExhausted(Exception):
    """Every distinct photo pair of the pool is taken: the run cannot go on without reuse."""


def _cpu_seconds() -> float:
    """This process's CPU time, user and system (locust runs in one process)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Step:
    """What one step of users saw: response times in ms and failures, by request name."""

    users: int
    started: float
    cpu_started: float
    times: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Counter[str] = field(default_factory=Counter)
    failure_samples: list[str] = field(default_factory=list)
    submissions: int = 0
    ended: float | None = None
    cpu_ended: float | None = None
    broker_queue: int | None = None  # tasks waiting in Redis at the step's end

    def bad(self, limit_ms: float) -> str | None:
        """Why this step is past the knee, if it is."""
        if self.failures:
            return f"{sum(self.failures.values())} failed: {dict(self.failures)}"
        every = sorted(t for ts in self.times.values() for t in ts)
        if not every:
            return "no request completed"
        p99 = every[max(int(len(every) * 0.99) - 1, 0)]
        return f"p99 {p99:.0f} ms over {limit_ms:.0f} ms" if p99 > limit_ms else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "started": self.started,
            "ended": self.ended,
            "cpu_s": None if self.cpu_ended is None else self.cpu_ended - self.cpu_started,
            "times_ms": dict(self.times),
            "failures": dict(self.failures),
            "failure_samples": self.failure_samples,
            "submissions": self.submissions,
            "broker_queue": self.broker_queue,
        }


@dataclass
class Run:
    """The steps so far, the photo pairs and worker tokens handed out, why the run stopped."""

    steps: list[Step] = field(default_factory=list)
    pairs: itertools.count[int] = field(default_factory=itertools.count)
    pairs_taken: int = 0
    tokens: itertools.count[int] = field(default_factory=itertools.count)
    stopped: str | None = None
    statuses: Counter[str] = field(default_factory=Counter)  # "name status", patient runs
    finished: list[str] = field(default_factory=list)  # submissions whose photos all went in

    def step(self) -> Step | None:
        return self.steps[-1] if self.steps else None

    def fail(self, name: str, what: str) -> None:
        step = self.step()
        if step is not None and step.ended is None:
            step.failures[name] += 1
            if len(step.failure_samples) < 10:
                step.failure_samples.append(f"{name}: {what}"[:400])


RUN = Run()


@events.request.add_listener
def _seen(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    step = RUN.step()
    if step is None or step.ended is not None:  # after the last step's end: the stop
        return
    step.times[name].append(response_time)
    if exception is not None:
        RUN.fail(name, repr(exception))


@events.user_error.add_listener
def _raised(user_instance: Any, exception: BaseException, tb: Any, **_: Any) -> None:
    RUN.fail("exception", repr(exception))


@events.quitting.add_listener
def _write(**_: Any) -> None:
    step = RUN.step()
    if step is not None and step.ended is None:
        step.ended, step.cpu_ended = time.time(), _cpu_seconds()
    out = {
        "steps": [s.as_dict() for s in RUN.steps],
        "stopped": RUN.stopped,
        "pairs_taken": RUN.pairs_taken,
        "statuses": dict(RUN.statuses),
        "finished": RUN.finished,
    }
    Path(SETTINGS["out"]).write_text(json.dumps(out))


def _users(steps: int) -> int:
    """The brands and admins (a fixed number), and users_step workers a step."""
    return sum(SETTINGS["fixed"].values()) + steps * SETTINGS["users_step"]


class MarketDay(LoadTestShape):
    """users_step more workers every step_s seconds until a step is past the knee."""

    def tick(self) -> tuple[int, float] | None:
        if SETTINGS.get("soak_s"):
            return self.soak()
        index = int(self.get_run_time() // SETTINGS["step_s"])
        current = RUN.step()
        if current is None or index >= len(RUN.steps):
            if current is not None:
                current.ended, current.cpu_ended = time.time(), _cpu_seconds()
                current.broker_queue = int(BROKER.llen("celery"))
                why = current.bad(SETTINGS["p99_limit_ms"])
                if why is not None:
                    RUN.stopped = f"step {len(RUN.steps) - 1} past the knee: {why}"
            if RUN.stopped is None and len(RUN.steps) >= SETTINGS["max_steps"]:
                RUN.stopped = f"max steps ({SETTINGS['max_steps']}) reached"
            if RUN.stopped is not None:
                return None
            RUN.steps.append(Step(_users(len(RUN.steps) + 1), time.time(), _cpu_seconds()))
        if RUN.stopped is not None:
            return None
        users = _users(len(RUN.steps))
        return users, float(users)

    def soak(self) -> tuple[int, float] | None:
        """The soak: one long step of soak_users users for soak_s seconds."""
        users = SETTINGS["soak_users"]
        if not RUN.steps:
            RUN.steps.append(Step(users, time.time(), _cpu_seconds()))
        if RUN.stopped is None and self.get_run_time() >= SETTINGS["soak_s"]:
            RUN.steps[0].ended, RUN.steps[0].cpu_ended = time.time(), _cpu_seconds()
            RUN.stopped = f"soak of {SETTINGS['soak_s']} s done"
        return None if RUN.stopped is not None else (users, float(users))


def _expect(response: ResponseContextManager, *statuses: int) -> bool:
    """Mark the answer a failure unless its status is one a person expects here."""
    if response.status_code in statuses:
        response.success()
        return True
    response.failure(f"{response.status_code} {(response.text or '')[:200]}")
    return False


class Person(FastHttpUser):
    abstract = True
    wait_time = between(*SETTINGS["think_s"])
    token = ""

    def send(
        self, name: str, method: str, path: str, *ok: int, again: bool = True, **kwargs: Any
    ) -> Any:
        """One request named `name`; the answer, or None when its status was not one of `ok`.
        Patient, it is sent again (same headers, so the same Idempotency-Key) while an outage
        answers, unless `again` is False (a PATCH: its offset must be asked for first)."""
        headers = {"Authorization": f"Bearer {self.token}"} | kwargs.pop("headers", {})
        deadline = time.monotonic() + PATIENCE_S
        while True:
            with self.client.request(
                method, path, name=name, headers=headers, catch_response=True, **kwargs
            ) as response:
                if not PATIENT:
                    return response if _expect(response, *ok) else None
                RUN.statuses[f"{name} {response.status_code}"] += 1
                if response.status_code not in OUTAGE:
                    return response if _expect(response, *ok) else None
                if not again or time.monotonic() > deadline:
                    # Waited out (or left to the caller): a failure only once patience is gone.
                    if again:
                        response.failure(f"outage for {PATIENCE_S:.0f} s: {response.status_code}")
                    else:
                        response.success()
                    return None
                response.success()
            time.sleep(RETRY_AFTER_S)


class Worker(Person):
    """A phone: browses around Brussels, reads missions, claims one, checks in, submits."""

    def on_start(self) -> None:
        index = next(RUN.tokens)
        if index >= len(SETTINGS["worker_tokens"]):
            raise RuntimeError(f"more worker users than tokens ({index})")
        self.token = SETTINGS["worker_tokens"][index]

    @task
    def shift(self) -> None:
        items: list[dict[str, Any]] = []
        for _ in range(NEARBY_PER_CLAIM):
            here = (BRUSSELS[0] + random.uniform(-0.005, 0.005), BRUSSELS[1])
            query = f"latitude={here[0]}&longitude={here[1]}&radius_m=5000&limit=20"
            answer = self.send("nearby", "GET", f"{API}/missions/nearby?{query}", 200)
            items = answer.json()["items"] if answer is not None else []
            self.wait()
        if not items:
            return
        chosen = random.sample(items, min(MISSIONS_PER_CLAIM, len(items)))
        for item in chosen:  # taken meanwhile by another: 404
            self.send("mission", "GET", f"{API}/missions/{item['id']}", 200, 404)
            self.wait()
        mission = chosen[-1]
        claim = self.send(
            "claim",
            "POST",
            f"{API}/missions/{mission['id']}/claim",
            201,
            404,
            409,
            headers={"Idempotency-Key": os.urandom(16).hex()},
        )
        if claim is not None and claim.status_code == 201:
            self.wait()
            self.submit(claim.json()["assignment_id"], mission["store"])

    def submit(self, assignment_id: str, store: dict[str, Any]) -> None:
        at = {"latitude": store["latitude"], "longitude": store["longitude"], "accuracy_m": 8.0}
        path = f"{API}/assignments/{assignment_id}"
        if self.send("check-in", "POST", f"{path}/check-in", 200, json=at) is None:
            return
        self.wait()
        photos = self.photos()
        body = {
            "payload": honest_payload(latitude=at["latitude"], longitude=at["longitude"]),
            "photos": [{"size": len(p), "sha256": hashlib.sha256(p).hexdigest()} for p in photos],
        }
        key = {"Idempotency-Key": os.urandom(16).hex()}
        declared = self.send(
            "declare", "POST", f"{path}/resumable-submission", 201, json=body, headers=key
        )
        if declared is None:
            return
        answer = declared.json()
        for upload, photo in zip(answer["uploads"], photos, strict=True):
            if not self.upload(upload["url"], photo):
                return
        RUN.finished.append(answer["submission_id"])
        step = RUN.step()
        if step is not None:
            step.submissions += 1
        for _ in range(POLLS):
            self.wait()
            polled = self.send("poll", "GET", f"{API}/submissions/{answer['submission_id']}", 200)
            if polled is None or polled.json()["status"] not in ("received", "validating"):
                return

    def photos(self) -> list[bytes]:
        """The next distinct pair of the pool; never one handed out before."""
        index = SETTINGS["pool_first"] + next(RUN.pairs)
        if index >= SETTINGS["pool_pairs"]:
            RUN.stopped = f"the photo pool ({SETTINGS['pool_pairs']} pairs) ran out"
            raise PoolExhausted(RUN.stopped)
        RUN.pairs_taken = max(RUN.pairs_taken, index + 1)
        files = [Path(SETTINGS["pool_dir"]) / f"{index:06d}-{j}.jpg" for j in range(2)]
        photos = [file.read_bytes() for file in files]
        if SETTINGS.get("consume_pool"):  # the pool's last user: its disk space back
            for file in files:
                file.unlink(missing_ok=True)
        return photos

    def upload(self, url: str, data: bytes) -> bool:
        """HEAD for the offset, then the photo in CHUNKS PATCHes; whether all went in. Patient,
        a PATCH an outage refused (or cut) is resumed from the offset a HEAD then gives."""
        deadline = time.monotonic() + PATIENCE_S
        size = len(data) // CHUNKS + 1
        while True:
            head = self.send("head", "HEAD", url, 200, 204, headers=TUS)
            if head is None:
                return False
            offset = int(head.headers["Upload-Offset"])
            while offset < len(data):
                headers = TUS | {
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                }
                chunk = cast(Any, data[offset : offset + size])
                patched = self.send(
                    "patch", "PATCH", url, 204, data=chunk, headers=headers, again=False
                )
                if patched is None:
                    break
                offset = int(patched.headers["Upload-Offset"])
            else:
                return True
            if not PATIENT or time.monotonic() > deadline:
                return False
            time.sleep(RETRY_AFTER_S)


class Brand(Person):
    """A brand member: reads two campaigns' results, each then exported as CSV."""

    fixed_count = SETTINGS["fixed"]["brand"]
    token = SETTINGS["brand_token"]

    @task
    def read(self) -> None:
        for campaign in random.sample(SETTINGS["campaigns"], RESULTS_PER_VISIT):
            path = f"{API}/campaigns/{campaign}/results"
            self.send("results", "GET", path, 200)
            self.wait()
            self.send("results csv", "GET", f"{path}?format=csv", 200)
            self.wait()


class Admin(Person):
    """A reviewer: pages the queue and approves a few of what waits in it."""

    fixed_count = SETTINGS["fixed"]["admin"]
    token = SETTINGS["admin_token"]

    @task
    def review(self) -> None:
        queue = self.send("queue", "GET", f"{API}/review/queue", 200)
        items = queue.json()["items"] if queue is not None else []
        for item in random.sample(items, min(3, len(items))):
            self.wait()
            self.send(
                "decide",
                "POST",
                f"{API}/submissions/{item['id']}/decision",
                200,
                409,  # decided meanwhile by another admin
                json={"decision": "approve"},
                headers={"Idempotency-Key": f"approve-{item['id']}"},
            )
