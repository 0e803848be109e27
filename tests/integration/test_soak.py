"""A short market day with faults (issue 19): workers browse, claim, check in and submit with
tus, a brand reads its results, an admin works the queue, against gunicorn, a real Celery
worker and beat, on PostgreSQL and Redis of the test's own; meanwhile PostgreSQL restarts,
Redis restarts (its queue lost), the Celery worker is SIGKILLed and the photo disk fills up
for a while. Afterwards nothing is lost: every submission a phone finished is decided once,
credited once if approved, the ledger check passes, and no request met a 500."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from backend import create_app, migrate
from backend.db import Database
from backend.outbox.models import OutboxMessage
from backend.reconciliation.ledger import check_ledger
from backend.storage import LocalPhotoStore
from backend.submissions.models import Decision, Photo, Submission
from tests.support import market
from tests.support.beat import spawn_beat
from tests.support.disk import small_disk
from tests.support.factories import token_for
from tests.support.ledger import assert_credited_once
from tests.support.load import bulk_workers, spawn_gunicorn
from tests.support.photos import jpeg, shelf
from tests.support.processes import Worker, spawn_worker, wait_until
from tests.support.services import postgres_process, redis_process
from tests.support.submitting import BRUSSELS, SKUS
from tests.support.world import brand_and_admin, build, fund

pytestmark = pytest.mark.integration

LOAD_S = 100.0  # the faults come within it, a breath apart
WORKERS, MISSIONS, REVIEWED = 6, 400, 40
FINAL = ("approved", "rejected")


@contextlib.contextmanager
def market_stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """PostgreSQL, Redis and a 1 GiB photo disk of the test's own, a migrated database;
    the settings every process gets, with handles to the servers and the disk."""
    with (
        postgres_process() as pg,
        redis_process() as broker,
        small_disk(tmp_path / "disk", 1 << 30) as disk,
    ):
        config = {
            "DATABASE_URL": pg.url,
            "BROKER_URL": f"{broker.url}/0",
            "VAR_DIR": str(tmp_path / "var"),
            "PHOTO_DIR": str(disk.root / "photos"),
            "SECRET_KEY": "soak-" + "k" * 60,
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": False,
            # A killed worker's task comes back soon; the outbox sends again what Redis lost.
            "BROKER_VISIBILITY_TIMEOUT": 10,
            "OUTBOX_RESEND_AFTER_SECONDS": 5,
        }
        database = Database(pg.url, pool_size=2, busy_timeout_ms=10_000)
        migrate.upgrade(database)
        database.engine.dispose()
        yield {"config": config, "pg": pg, "broker": broker, "disk": disk}


def people(app: Any) -> tuple[list[str], str, str, list[str]]:
    """Worker tokens, a brand member's and an admin's, and the brand's two campaigns (the
    second reviewed by a person), funded, with a store each near Brussels."""
    db: Database = app.extensions["fairfield.db"]
    brand_id, member, admin = brand_and_admin(db, "Soak", "soak.test")
    near = [(BRUSSELS[0] + i * 1e-5, BRUSSELS[1]) for i in range(MISSIONS)]
    campaigns, missions = [], []
    for points, reviewed in ((near[REVIEWED:], False), (near[:REVIEWED], True)):
        campaign, ids = build(db, brand_id, points, skus=SKUS, review_required=reviewed)
        campaigns.append(campaign)
        missions += ids
    fund(db, missions)
    return bulk_workers(db, WORKERS), token_for(app, member), token_for(app, admin), campaigns


class Faults:
    """The faults, in turn, each after a pause; what happened when, for the report."""

    def __init__(self, stack: dict[str, Any], start_worker: Any) -> None:
        self.stack, self.start_worker = stack, start_worker
        self.worker: Worker = start_worker()
        self.log: list[tuple[float, str]] = []
        self.began = time.monotonic()

    def _note(self, what: str) -> None:
        self.log.append((round(time.monotonic() - self.began, 1), what))

    def run(self, stop: threading.Event) -> None:
        pg, broker, disk = self.stack["pg"], self.stack["broker"], self.stack["disk"]
        steps = [
            ("PostgreSQL restarted", lambda: pg.restart("fast")),
            ("Redis restarted, its queue lost", lambda: (broker.kill(), broker.start())),
            ("Celery worker SIGKILLed, another started", self._replace_worker),
            ("photo disk full for 8 s", lambda: self._full_disk(disk)),
        ]
        for what, act in steps:
            if stop.wait(LOAD_S / (len(steps) + 1)):
                return
            self._note(what)
            act()
            self._note(f"{what}: done")

    def _replace_worker(self) -> None:
        self.worker.kill()
        self.worker = self.start_worker()

    def _full_disk(self, disk: Any) -> None:
        disk.fill(leave=64 * 1024)
        time.sleep(8)
        disk.free()


def decisions(db: Database) -> dict[str, int]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Decision.submission_id, func.count())
            .where(Decision.status.in_(FINAL))
            .group_by(Decision.submission_id)
        )
        return dict(rows.all())


def statuses(db: Database) -> dict[str, str]:
    with db.transaction(write=False) as session:
        return dict(session.execute(select(Submission.id, Submission.status)).all())


def test_a_market_day_with_faults_loses_nothing_and_decides_each_submission_once(tmp_path):
    photos_made = iter(range(10_000))
    photo_lock = threading.Lock()

    def two_photos() -> list[bytes]:
        with photo_lock:
            seeds = [next(photos_made), next(photos_made)]
        return [jpeg(shelf(seed=1000 + seed)) for seed in seeds]

    with market_stack(tmp_path) as stack:
        config, logs = stack["config"], tmp_path / "logs"
        logs.mkdir()
        app = create_app(config)
        db: Database = app.extensions["fairfield.db"]
        workers, brand, admin, campaigns = people(app)
        count = iter(range(100))

        def start_worker() -> Worker:
            n = next(count)
            log = logs / f"celery-{n}.log"
            return spawn_worker(config, log, name=f"soak-{n}", concurrency=2, loglevel="WARNING")

        gunicorn, base = spawn_gunicorn(config, logs / "gunicorn.log", workers=2)
        beat = spawn_beat(config, logs / "beat.log", every_seconds=2)
        faults = Faults(stack, start_worker)
        tally, stop, drained = market.Tally(), threading.Event(), threading.Event()
        try:
            with ThreadPoolExecutor(WORKERS + 3) as pool:
                days = [
                    pool.submit(market.Worker(base, token, tally, stop).day, two_photos)
                    for token in workers
                ]
                days.append(pool.submit(market.Brand(base, brand, tally, stop).day, campaigns))
                reviewing = pool.submit(market.Admin(base, admin, tally, stop).day, drained)
                faulting = pool.submit(faults.run, stop)
                try:
                    stop.wait(LOAD_S)
                    stop.set()
                    faulting.result()
                    for day in days:
                        day.result()  # a phone that gave up fails the test here

                    def all_decided() -> bool:
                        found = statuses(db)
                        return all(found.get(s) in FINAL for s in tally.declared)

                    wait_until(all_decided, 120, "every finished submission decided")
                finally:
                    stop.set()
                    drained.set()
                reviewing.result()

            def outbox_empty() -> bool:
                with db.transaction(write=False) as session:
                    waiting = select(func.count()).where(OutboxMessage.done_at.is_(None))
                    return session.scalar(waiting) == 0

            wait_until(outbox_empty, 60, "the outbox sent")
        finally:
            stop.set()
            drained.set()
            beat.stop()
            faults.worker.stop()
            with contextlib.suppress(ProcessLookupError):
                gunicorn.terminate()
            gunicorn.wait(30)
        report = f"faults {faults.log}; answers {dict(sorted(tally.statuses.items()))}"
        assert len(faults.log) == 8, report
        assert len(tally.declared) >= 10, report

        # Nothing lost, nothing twice: every finished submission is decided, once.
        found = statuses(db)
        assert {s: found.get(s) for s in tally.declared if found.get(s) not in FINAL} == {}
        assert set(decisions(db).values()) == {1}, report
        assert not [s for s, n in tally.decided.items() if n != 1], report
        # Half-done ones (a claim taken, nothing declared) stay as they were: none is decided.
        assert set(decisions(db)) == tally.declared, report
        with db.transaction(write=False) as session:
            assert check_ledger(db_session=session) == []
        with db.transaction(write=False) as session:
            assert_credited_once(session)
        # Every failure a phone met was a cut, a 503 or a full disk's 507: never a 500; and
        # the full disk did refuse some.
        assert not [k for k in tally.statuses if k.endswith(" 500")], report
        assert [k for k in tally.statuses if k.endswith(" 507")], report
        # No decision came of a fault: no photo missing when validated, and every photo on
        # the disk is whole.
        # (A photo the worker could not read fails its hard "stored" check: the submission is
        # rejected with no usable photo, or sent to a person with one unusable.)
        with db.transaction(write=False) as session:
            why = session.execute(select(Submission.reasons, Submission.flags)).all()
            digests = session.scalars(select(Photo.sha256)).all()
        unusable = {"no_usable_photo", "unusable_photo"}
        assert not [w for w in why if unusable & {*w.reasons, *w.flags}], why
        store = LocalPhotoStore(config["PHOTO_DIR"])
        for digest in digests:
            with store.open(digest) as photo:
                assert hashlib.sha256(photo.read()).hexdigest() == digest
        db.engine.dispose()
