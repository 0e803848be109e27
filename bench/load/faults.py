"""The soak's fault stretch (issue 19): under the soak's load, PostgreSQL restarts, Redis
restarts (its queue lost), the Celery worker is SIGKILLed (another takes over) and the photo
disk fills up for a while. Afterwards: every submission a phone finished is decided once,
credited once if approved, each of its photos is whole on the disk, the ledger check passes,
and no answer was a 500 (the outages answer 503 or 507, or cut the connection; the phones wait
and try again, as the worker app does).

The photo disk is an ext4 image of its own, loop-mounted (root only, as the bench runs): filling
it takes a sparse `fallocate`, so the host disk is not filled with it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backend.db import Database
from backend.ledger.models import LedgerTransaction
from backend.reconciliation import ledger as check
from backend.storage import LocalPhotoStore
from backend.submissions.models import Decision, Photo, Submission
from tests.support.beat import Beat, spawn_beat
from tests.support.processes import Worker, spawn_worker
from tests.support.services import PostgresProcess, RedisProcess

FINAL = ("approved", "rejected")
UNUSABLE = {"no_usable_photo", "unusable_photo"}
FULL_DISK_S = 8.0  # how long the photo disk stays full
LEFT_ON_FULL_DISK = 64 * 1024
FAULTS = (
    "PostgreSQL restarted (fast)",
    "Redis restarted, its queue lost",
    "Celery worker SIGKILLed, another started",
    f"photo disk full for {FULL_DISK_S:.0f} s",
)
DECIDED_WITHIN_S = 300.0  # after the stretch, for every finished submission to be decided


class PhotoDisk:
    """A mounted ext4 image with no blocks reserved for root (the servers run as root here);
    `fill` leaves only so many bytes free, `free` gives the space back."""

    def __init__(self, root: Path, size: int) -> None:
        self.root, self.size = root, size
        self.ballast = root / "ballast"

    def available(self) -> int:
        return shutil.disk_usage(self.root).free

    def fill(self, leave: int) -> None:
        fd = os.open(self.ballast, os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            for _ in range(5):  # the extents' own metadata takes a few blocks: close in
                have = os.fstat(fd).st_size
                room = self.available() - leave
                if room <= 0:
                    break
                with contextlib.suppress(OSError):
                    os.posix_fallocate(fd, have, room)
        finally:
            os.close(fd)

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)


@contextlib.contextmanager
def photo_disk(where: Path, size: int) -> Iterator[PhotoDisk]:
    """An ext4 image of `size` bytes (sparse) mounted at `where`; unmounted and removed after."""
    image = where.with_suffix(".img")
    where.mkdir(parents=True, exist_ok=True)
    with image.open("wb") as sparse:
        sparse.truncate(size)
    try:
        run = {"check": True, "capture_output": True}
        subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], **run)  # type: ignore[call-overload]
        subprocess.run(["mount", "-o", "loop", str(image), str(where)], **run)  # type: ignore[call-overload]
        try:
            yield PhotoDisk(where, size)
        finally:
            subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)
    finally:
        image.unlink(missing_ok=True)


@dataclass
class Services:
    """The PostgreSQL run's own servers, which the faults restart; its Celery worker (the one
    running now) and beat, started on the run's settings with their logs in `logs`."""

    pg: PostgresProcess | None = None
    redis: RedisProcess | None = None
    disk: PhotoDisk | None = None
    config: dict[str, Any] = field(default_factory=dict)
    logs: Path = Path()
    concurrency: int = 2
    worker: Worker | None = None
    started: list[str] = field(default_factory=list)

    @property
    def faulty(self) -> bool:
        """Whether the servers are the run's own, to restart, and the photos on a disk to fill."""
        return None not in (self.pg, self.redis, self.disk)

    @property
    def photo_dir(self) -> Path:
        assert self.disk is not None
        return self.disk.root / "photos"

    def start_worker(self) -> Worker:
        name = f"load-{len(self.started)}"
        self.started.append(name)
        log = self.logs / f"celery-{name}.log"
        self.worker = spawn_worker(
            self.config, log, name=name, concurrency=self.concurrency, loglevel="WARNING"
        )
        return self.worker

    def start_beat(self) -> Beat:
        """Beat with every job each 2 s: the outbox sweeper sends again what Redis lost."""
        return spawn_beat(self.config, self.logs / "beat-load.log", every_seconds=2)

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop()


class Faults:
    """The faults in turn, one every `every` seconds until `stop`; when each came and ended."""

    def __init__(self, services: Services, every: float) -> None:
        self.services, self.every = services, every
        self.log: list[dict[str, Any]] = []
        self.began = time.monotonic()

    def _replace_worker(self) -> None:
        assert self.services.worker is not None
        self.services.worker.kill()
        self.services.start_worker()

    def _restart_postgres(self) -> None:
        assert self.services.pg is not None
        self.services.pg.restart("fast")

    def _restart_redis(self) -> None:
        assert self.services.redis is not None
        self.services.redis.kill()
        self.services.redis.start()

    def _full_disk(self) -> None:
        assert self.services.disk is not None
        self.services.disk.fill(LEFT_ON_FULL_DISK)
        time.sleep(FULL_DISK_S)
        self.services.disk.free()

    def run(self, stop: threading.Event) -> None:
        acts: list[Callable[[], object]] = [
            self._restart_postgres,
            self._restart_redis,
            self._replace_worker,
            self._full_disk,
        ]
        for what, act in zip(FAULTS, acts, strict=True):
            if stop.wait(self.every):
                return
            at = time.monotonic()
            act()
            self.log.append(
                {
                    "fault": what,
                    "at_s": round(at - self.began, 1),
                    "took_s": round(time.monotonic() - at, 1),
                }
            )


def _final_counts(db: Database, ids: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    """Each submission's status, and how many final decisions each of `ids` has."""
    with db.transaction(write=False) as session:
        statuses = dict(
            session.execute(select(Submission.id, Submission.status).where(Submission.id.in_(ids)))
            .tuples()
            .all()
        )
        decided = (
            session.execute(
                select(Decision.submission_id, func.count())
                .where(Decision.submission_id.in_(ids), Decision.status.in_(FINAL))
                .group_by(Decision.submission_id)
            )
            .tuples()
            .all()
        )
    return statuses, dict(decided)


def _credits(db: Database, ids: list[str]) -> Counter[str]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(LedgerTransaction.submission_id, func.count())
            .where(
                LedgerTransaction.kind == "submission_credit",
                LedgerTransaction.submission_id.in_(ids),
            )
            .group_by(LedgerTransaction.submission_id)
        )
        return Counter({str(submission): n for submission, n in rows.tuples()})


def _photos_whole(db: Database, ids: list[str], folder: str) -> dict[str, int]:
    """Every photo of these submissions read back from the disk and hashed."""
    with db.transaction(write=False) as session:
        digests = session.scalars(select(Photo.sha256).where(Photo.submission_id.in_(ids))).all()
    store, whole = LocalPhotoStore(folder), 0
    for digest in digests:
        with store.open(digest) as photo:
            whole += hashlib.sha256(photo.read()).hexdigest() == digest
    return {"photos": len(digests), "whole": whole}


def settle_and_check(
    db: Database,
    finished: list[str],
    decide_waiting: Callable[[], int],
    photo_folder: str,
) -> dict[str, Any]:
    """Wait until each finished submission is decided (a person deciding what waits for one,
    by `decide_waiting`), then what the faults left: decisions and credits per submission, the
    ledger check, the photos."""
    started, approved_by_person = time.monotonic(), 0
    statuses: dict[str, str] = {}
    decided: dict[str, int] = {}
    while time.monotonic() - started < DECIDED_WITHIN_S:
        statuses, decided = _final_counts(db, finished)
        if all(statuses.get(s) in FINAL for s in finished):
            break
        approved_by_person += decide_waiting()
        time.sleep(1)
    statuses, decided = _final_counts(db, finished)
    approved = [s for s in finished if statuses.get(s) == "approved"]
    credits = _credits(db, finished)
    with db.transaction(write=False) as session:
        problems = check.check_ledger(db_session=session)
        flagged = session.execute(
            select(Submission.reasons, Submission.flags).where(Submission.id.in_(finished))
        ).all()
    return {
        "finished_submissions": len(finished),
        "decided_after_s": round(time.monotonic() - started, 1),
        "approved_by_a_person_after": approved_by_person,
        "statuses": dict(Counter(statuses.get(s, "missing") for s in finished)),
        "undecided": [s for s in finished if statuses.get(s) not in FINAL][:20],
        "decided_more_than_once": [s for s, n in decided.items() if n != 1][:20],
        "credited_not_once": [s for s in approved if credits[s] != 1][:20],
        "credited_not_approved": [s for s in credits if s not in approved][:20],
        "unusable_photo_decisions": sum(1 for r in flagged if UNUSABLE & {*r.reasons, *r.flags}),
        "ledger_check_problems": problems[:20],
        "photos": _photos_whole(db, finished, photo_folder),
    }
