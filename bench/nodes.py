"""Validation throughput with one Celery worker node and with two (concurrency 1 each)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import func, select

from backend import create_app, migrate
from backend.db import Database
from backend.kernel.ids import new_id
from backend.outbox.models import OutboxMessage
from backend.submissions.models import Submission
from bench import pipeline
from bench.common import own_database
from tests.support.load import bulk_workers
from tests.support.processes import Worker, spawn_worker
from tests.support.submitting import Claimed, submit

VALIDATE = "validation.validate_submission"
WARM_PER_NODE, POLL_S, TIMEOUT_S = 2, 0.05, 600.0


def _received(app: Any, db: Database, photo_sets: Sequence[Sequence[bytes]]) -> list[str]:
    """One submission per photo set, claimed and uploaded in process, left received: the
    relay is off, so their validation messages wait in the outbox. The ids of every message
    still waiting, these and any before."""
    missions, tokens = pipeline._missions(db, len(photo_sets)), bulk_workers(db, len(photo_sets))
    client = app.test_client()
    for mission, token, photos in zip(missions, tokens, photo_sets, strict=True):
        headers = {"Authorization": f"Bearer {token}"}
        claimed = client.post(f"/api/v1/missions/{mission}/claim", headers=headers)
        assert claimed.status_code == 201, claimed.json
        assignment = Claimed(claimed.json["assignment_id"], mission, None, headers, "", None)
        sent = submit(client, assignment, list(photos))
        assert sent.status_code == 202, sent.json
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.task_name == VALIDATE, OutboxMessage.done_at.is_(None))
                .order_by(OutboxMessage.created_at)
            )
        )


def _decided(db: Database) -> int:
    with db.transaction(write=False) as session:
        query = select(func.count()).where(Submission.decided_at.is_not(None))
        return int(session.scalar(query) or 0)


def _send_and_wait(app: Any, db: Database, message_ids: list[str]) -> float:
    """Send the messages at once; seconds until every one's submission is decided."""
    target = _decided(db) + len(message_ids)
    celery = app.extensions["celery"]
    with db.transaction(write=False) as session:
        args: dict[str, Any] = dict(
            session.execute(
                select(OutboxMessage.id, OutboxMessage.args).where(
                    OutboxMessage.id.in_(message_ids)
                )
            ).all()
        )
    started = time.perf_counter()
    for message_id in message_ids:
        celery.send_task(VALIDATE, args=args[message_id], task_id=message_id)
    deadline = time.monotonic() + TIMEOUT_S
    while _decided(db) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{target - _decided(db)} submissions undecided")
        time.sleep(POLL_S)
    return time.perf_counter() - started


def _with_nodes(
    app: Any, db: Database, config: dict[str, Any], var: str, nodes: int, sets: Sequence[Any]
) -> dict[str, Any]:
    """Submissions per second validated by `nodes` worker processes, concurrency 1 each,
    after WARM_PER_NODE submissions per node to boot them (not measured)."""
    warm = _received(app, db, sets[: WARM_PER_NODE * nodes])
    measured = [m for m in _received(app, db, sets[WARM_PER_NODE * nodes :]) if m not in warm]
    tag = new_id()[:8]
    workers: list[Worker] = [
        spawn_worker(
            config,
            Path(var) / f"celery-nodes-{tag}-{n}.log",
            name=f"bench-node{n}-{tag}",
            concurrency=1,
            loglevel="WARNING",
        )
        for n in range(nodes)
    ]
    try:
        _send_and_wait(app, db, warm)  # each node's boot, imports and pools; not measured
        wall = _send_and_wait(app, db, measured)
    finally:
        for worker in workers:
            worker.stop()
    return {
        "submissions": len(measured),
        "wall_s": round(wall, 3),
        "submissions_per_second": round(len(measured) / wall, 3),
    }


def run(url: str, broker: str, var: str, n: int) -> dict[str, Any]:
    """n 3-photo submissions validated by one node, then n others by two; both rates. In a
    database of its own: the photos are the pipeline section's, which would be reused copies
    in the shared database."""
    sets, nearest = pipeline.photo_sets(2 * n + 3 * WARM_PER_NODE)
    second = n + WARM_PER_NODE
    redis.Redis.from_url(broker).flushdb()
    with own_database(url, "fairfield_bench_nodes") as own:
        database = Database(own, pool_size=5, busy_timeout_ms=10_000)
        migrate.upgrade(database)
        database.engine.dispose()
        config = {
            "DATABASE_URL": own,
            "BROKER_URL": broker,
            "VAR_DIR": var,
            "LOG_LEVEL": "WARNING",
            "RATELIMIT_ENABLED": False,
            "OUTBOX_RELAY_ON_COMMIT": False,
        }
        app = create_app(config)
        db = app.extensions["fairfield.db"]
        try:
            with app.app_context():
                one = _with_nodes(app, db, config, var, 1, sets[:second])
                two = _with_nodes(app, db, config, var, 2, sets[second:])
            with db.transaction(write=False) as session:
                statuses = dict(
                    session.execute(
                        select(Submission.status, func.count()).group_by(Submission.status)
                    ).all()
                )
        finally:
            db.engine.dispose()
    return {
        "photos_per_submission": pipeline.PHOTOS,
        "least_hamming_between_photos": nearest,
        "concurrency_per_node": 1,
        "one_node": one,
        "two_nodes": two,
        "ratio": round(two["submissions_per_second"] / one["submissions_per_second"], 2),
        "statuses": statuses,
    }
