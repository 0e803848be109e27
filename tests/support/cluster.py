"""Several machines in one test: gunicorn API nodes, Celery worker nodes and beats, each with an
empty folder of its own, on one PostgreSQL (through PgBouncer), one Redis and one S3 server;
and a phone's HTTP client that goes from node to node, as behind a load balancer, and to the
next living one when its node is dead."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from backend.settings import defaults_with
from backend.tasks import _beat_schedule
from tests.support.beat import Beat, Sent, received, spawn_beat
from tests.support.load import spawn_gunicorn
from tests.support.processes import Worker, spawn_worker
from tests.support.tus import TUS

# Every job of the schedule, by its entry's name: the task it sends.
JOBS = {name: entry["task"] for name, entry in _beat_schedule(defaults_with()).items()}


@dataclass
class ApiNode:
    name: str
    url: str  # its /api/v1 base
    home: Path  # its own folder: var/ (FAIRFIELD_VAR_DIR) and tmp/ (TMPDIR)
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the master and its workers at once: requests in flight are cut."""
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class WorkerNode:
    name: str
    home: Path  # as an API node's
    worker: Worker


@dataclass
class Cluster:
    api: list[ApiNode]
    workers: list[WorkerNode]
    beats: list[Beat]

    def sent(self) -> list[Sent]:
        """Every job any beat sent."""
        return [s for beat in self.beats for s in beat.sent()]

    def received(self) -> Counter[str]:
        """The tasks the worker nodes took from the broker, by name, all nodes together."""
        total: Counter[str] = Counter()
        for node in self.workers:
            total += received(node.worker)
        return total

    def holding(self, task: str, timeout: float) -> WorkerNode | None:
        """The first worker node found in the middle of a `task` (polled closely: a task may
        last a fraction of a second), or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for node in self.workers:
                if holding(node.worker, task):
                    return node
            time.sleep(0.01)
        return None

    def local_files(self) -> dict[str, list[str]]:
        """The files in each node's folder (var/..., tmp/...), by node; each started empty."""
        return {node.name: files_in(node.home) for node in [*self.api, *self.workers]}


TASK_LINE = re.compile(
    r"Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]+)\] (?P<what>received|succeeded|failed|raised|retry)"
)


def holding(worker: Worker, task: str) -> set[str]:
    """The ids of the `task`s a worker has taken and not yet finished, from its log."""
    taken, done = set(), set()
    for match in TASK_LINE.finditer(worker.log.read_text()):
        if match["task"] == task:
            (taken if match["what"] == "received" else done).add(match["id"])
    return taken - done


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@contextlib.contextmanager
def cluster(
    config: dict[str, Any],
    folder: Path,
    *,
    every: float,
    api_nodes: int = 2,
    worker_nodes: int = 2,
    beats: int = 2,
    concurrency: int = 2,
) -> Iterator[Cluster]:
    """Start the nodes on `config` (which names the shared database, broker and bucket), each
    with a folder of its own, `folder/<node>` (its var folder, and its TMPDIR so that its
    temporary files show too), and the beats with every job every `every` seconds (their lock
    under a prefix of their own); stop them all afterwards."""
    started = Cluster([], [], [])
    beat_prefix = {"BEAT_KEY_PREFIX": f"fairfield:beat:{uuid.uuid4().hex}:"}

    @contextlib.contextmanager
    def own(name: str) -> Iterator[dict[str, Any]]:
        """The node's settings, while TMPDIR (read by the process at start) is its own."""
        var, tmp = folder / name / "var", folder / name / "tmp"
        var.mkdir(parents=True)
        tmp.mkdir()
        before = os.environ.get("TMPDIR")
        os.environ["TMPDIR"] = str(tmp)
        try:
            yield config | {"VAR_DIR": str(var)}
        finally:
            if before is None:
                del os.environ["TMPDIR"]
            else:
                os.environ["TMPDIR"] = before

    try:
        for n in range(1, worker_nodes + 1):
            name = f"worker-{n}"
            with own(name) as settings:
                worker = spawn_worker(
                    settings, folder / f"{name}.log", name=name, concurrency=concurrency
                )
            started.workers.append(WorkerNode(name, folder / name, worker))
        for n in range(1, beats + 1):
            name = f"beat-{n}"
            with own(name) as settings:
                beat = spawn_beat(
                    settings | beat_prefix, folder / f"{name}.log", every_seconds=every
                )
            started.beats.append(beat)
        for n in range(1, api_nodes + 1):
            name = f"api-{n}"
            log = folder / f"{name}.log"
            with own(name) as settings:
                proc, url = spawn_gunicorn(settings, log, workers=2)
            started.api.append(ApiNode(name, url, folder / name, proc, log))
        yield started
    finally:
        for node in started.api:
            node.stop()
        for beat in started.beats:
            beat.kill()
        for worker_node in started.workers:
            worker_node.worker.stop()


def refused(error: requests.ConnectionError) -> bool:
    """Whether the node refused the connection: nothing was sent, any request may go elsewhere
    (unlike one cut while it was sent or answered)."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError)


class NodeDown(Exception):
    """Every API node refused the request's connection."""


@dataclass
class Phone:
    """A client of the cluster: each request goes to the next node in turn, as a load balancer
    would send it. A request whose connection fails (the node is dead, or dies while
    answering) is sent again to the next node when `retry` says it may be (a read, or a write
    carrying an Idempotency-Key), else raised, for the caller to find out where it stands."""

    nodes: list[ApiNode]
    headers: dict[str, str]
    turn: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The nodes that took each upload's chunks (204), by upload path, in order.
    patched: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def _next(self) -> ApiNode:
        with self.lock:
            self.turn += 1
            return self.nodes[self.turn % len(self.nodes)]

    def request(
        self,
        method: str,
        path: str,
        *,
        retry: bool | None = None,
        node: int | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """`path` is under /api/v1 ("/me"), or a URL the API gave (only its path is used);
        sent to the node numbered `node` (modulo their number) first if given."""
        path = urllib.parse.urlsplit(path).path.removeprefix("/api/v1")
        headers = self.headers | kwargs.pop("headers", {})
        if retry is None:
            retry = method in {"GET", "HEAD"} or "Idempotency-Key" in headers
        failures: list[Exception] = []
        for attempt in range(2 * len(self.nodes)):
            at = self._next() if node is None else self.nodes[(node + attempt) % len(self.nodes)]
            try:
                answer = requests.request(
                    method, at.url + path, headers=headers, timeout=60, **kwargs
                )
            except requests.ConnectionError as cut:
                failures.append(cut)
                if not (retry or refused(cut)):
                    raise NodeDown(f"{method} {path} on {at.name}: {cut}") from cut
                continue
            if method == "PATCH" and answer.status_code == 204:
                self.patched[path].append(at.name)
            return answer
        raise NodeDown(f"{method} {path}: no node answered: {failures}")

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def offset(self, url: str) -> int:
        head = self.request("HEAD", url, headers=TUS)
        assert head.status_code in {200, 204}, (head.status_code, head.text)
        return int(head.headers["Upload-Offset"])

    def upload(self, url: str, data: bytes, chunks: int, sent: Counter[str] | None = None) -> int:
        """Send `data` with tus in `chunks` chunks, the nodes in turn, from where HEAD says the
        upload stands (a resumed upload sends only the rest). A PATCH cut
        by a dying node is resumed where HEAD (on another node) says the upload stands; a
        PATCH refused with 409 resumes at the offset it gives. How many PATCHes were cut."""
        step, offset, cut = len(data) // chunks + 1, self.offset(url), 0
        for turn in itertools.count():
            if offset >= len(data):
                break
            chunk = data[offset : offset + step]
            headers = TUS | {
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            }
            try:
                answer = self.request(
                    "PATCH", url, data=chunk, headers=headers, retry=False, node=turn
                )
            except NodeDown:
                cut += 1
                offset = self.offset(url)
                continue
            if sent is not None:
                sent["chunks"] += 1
            if answer.status_code == 409:
                offset = int(answer.json()["offset"])
                continue
            assert answer.status_code == 204, (answer.status_code, answer.text)
            offset = int(answer.headers["Upload-Offset"])
        return cut


@contextlib.contextmanager
def chunk_on_the_way(
    node: ApiNode, url: str, headers: dict[str, str], offset: int, chunk: bytes
) -> Iterator[None]:
    """A tus PATCH of `chunk` at `offset` to `node` that sends its headers and half the chunk,
    then nothing more (a phone on a slow network) until the block ends."""
    parts = urllib.parse.urlsplit(node.url)
    head = {
        **headers,
        **TUS,
        "Host": parts.netloc,
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(len(chunk)),
        "Connection": "close",
    }
    lines = [f"PATCH {urllib.parse.urlsplit(url).path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in head.items()]
    with socket.create_connection((str(parts.hostname), int(parts.port or 80)), 30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + chunk[: len(chunk) // 2])
        yield


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def photo_key(sha256: str) -> str:
    """The photo's content-addressed key in the bucket."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
