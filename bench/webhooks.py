"""Webhook fan-out: events committed in batches, delivered by a real Celery worker to a real
receiver on the loopback; deliveries per second and the delay from commit to receipt."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import redis

from backend.accounts.models import Brand
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.webhooks import service
from bench.common import bench_app
from tests.support.processes import spawn_worker, wait_until
from tests.support.receiver import always, receiver

BATCH = 100  # events per committed transaction, as a burst of approvals would come
CELERY_CONCURRENCY = 2
EVENT = "submission.approved"


def _emit(app: Any, brand_id: str, n: int) -> dict[str, float]:
    """n events in transactions of BATCH; when each message's transaction went to commit."""
    db = app.extensions["fairfield.db"]
    committed: dict[str, float] = {}
    with app.app_context():
        for start in range(0, n, BATCH):
            with db.transaction() as session:
                ids = [
                    message_id
                    for i in range(start, min(start + BATCH, n))
                    for message_id in service.emit(
                        db_session=session,
                        brand_id=brand_id,
                        event_type=EVENT,
                        data={"submission_id": new_id(), "answers": [], "n": i},
                        now=utcnow(),
                    )
                ]
                # Just before the commit: the relay runs inside it, and a fast worker may
                # deliver before the commit call returns.
                at = time.time()
            committed.update(dict.fromkeys(ids, at))
    return committed


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[max(int(len(ordered) * share) - 1, 0)]


def run(url: str, broker: str, var: str, n: int) -> dict[str, Any]:
    """n events to one subscription, delivered by a Celery worker; throughput and delays."""
    redis.Redis.from_url(broker).flushdb()  # tasks earlier sections left for gone rows
    app = bench_app(url, broker, var)
    db = app.extensions["fairfield.db"]
    config = {
        "DATABASE_URL": url,
        "BROKER_URL": broker,
        "VAR_DIR": var,
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,
        "OUTBOX_RELAY_ON_COMMIT": True,
    }
    tag = new_id()[:8]
    worker = spawn_worker(
        config,
        Path(var) / f"celery-webhooks-{tag}.log",
        name=f"bench-{tag}",
        concurrency=CELERY_CONCURRENCY,
        loglevel="WARNING",
    )
    try:
        with receiver(always(204)) as hooks:
            with app.app_context(), db.transaction() as session:
                brand = Brand(name=f"Webhooks {tag}")
                session.add(brand)
                session.flush()
                service.create_subscription(
                    db_session=session,
                    brand_id=brand.id,
                    url=f"{hooks.url}/in",
                    events=[EVENT],
                    created_by=None,
                    allow_private=True,
                )
            committed = _emit(app, brand.id, n)
            wait_until(lambda: len(hooks.accepted()) >= n, 60 + n / 10, f"{n} deliveries")
            received = hooks.accepted()
    finally:
        worker.stop()
        db.engine.dispose()
    delays = sorted(r.at - committed[r.headers["webhook-id"]] for r in received)
    first, last = min(committed.values()), max(r.at for r in received)
    return {
        "events": n,
        "delivered": len({r.headers["webhook-id"] for r in received}),
        "celery_concurrency": CELERY_CONCURRENCY,
        "batch": BATCH,
        "wall_s": round(last - first, 3),
        "deliveries_per_s": round(len(received) / (last - first), 1),
        "commit_to_receipt": {
            "p50_ms": round(_percentile(delays, 0.50) * 1000, 1),
            "p95_ms": round(_percentile(delays, 0.95) * 1000, 1),
            "p99_ms": round(_percentile(delays, 0.99) * 1000, 1),
            "n": len(delays),
        },
    }
