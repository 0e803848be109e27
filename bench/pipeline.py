"""Upload to decision: 3-photo submissions over HTTP to gunicorn, Redis, a real Celery worker."""

from __future__ import annotations

import functools
import http.client
import itertools
import json
import os
import statistics
import time
import urllib.parse
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import redis
from sqlalchemy import select

from backend.accounts.models import Brand
from backend.db import Database
from backend.kernel.ids import new_id
from backend.submissions.models import Submission
from backend.validation.photos import hamming, inspect_photo, perceptual_hash
from bench import validate
from bench.bucket import photos_in_bucket
from bench.common import bench_app
from tests.support.load import bulk_workers, gunicorn, post
from tests.support.processes import spawn_worker
from tests.support.submitting import BRUSSELS, SKUS, honest_payload, multipart
from tests.support.world import build

PHOTOS, UPLOADERS, WARM, CELERY_CONCURRENCY = 3, 3, 3, 2
BASES, STRIPS, POLL_S, TIMEOUT_S = 6, 6, 0.02, 120.0


@functools.cache
def photo_sets(count: int) -> tuple[tuple[tuple[bytes, ...], ...], int]:
    """`count` sets of 3 distinct 12 MP photos, and the least Hamming distance between any two.

    Each is a base shelf cut into 6 horizontal strips, each strip shifted sideways, maybe
    mirrored and its colour channels swapped: a new layout at the cost of a copy and encode.
    """
    bases = [validate.shelf_pixels(100 + b) for b in range(BASES)]
    rng = np.random.default_rng(11)
    edges = np.linspace(0, validate.HEIGHT, STRIPS + 1).astype(int)
    taken = datetime.now(UTC)
    photos, hashes = [], []
    for k in range(count * PHOTOS):
        pixels = np.empty_like(bases[0])
        for top, bottom in itertools.pairwise(edges):
            strip = np.roll(bases[k % BASES][top:bottom], int(rng.integers(validate.WIDTH)), 1)
            strip = strip[:, ::-1] if rng.integers(2) else strip
            pixels[top:bottom] = strip[:, :, rng.permutation(3)]
        photos.append(validate.phone_jpeg(pixels, taken, BRUSSELS))
        reduced = inspect_photo(photos[-1], validate.LIMITS).reduced
        assert reduced is not None
        hashes.append(perceptual_hash(reduced))
    nearest = min(hamming(a, b) for a, b in itertools.combinations(hashes, 2))
    sets = tuple(tuple(photos[i : i + PHOTOS]) for i in range(0, len(photos), PHOTOS))
    return sets, nearest


def _missions(db: Database, n: int) -> list[str]:
    """n open missions of one published campaign counting PAD-1 and PAD-2, a store each."""
    with db.transaction() as session:
        brand = Brand(name=f"Pipeline {new_id()[:8]}")
        session.add(brand)
    _campaign, missions = build(db, brand.id, [BRUSSELS] * n, skus=SKUS)
    return missions


def _upload(base: str, token: str, assignment_id: str, photos: Sequence[bytes]) -> Any:
    """POST the multipart submission as a phone does (with an Idempotency-Key); its body."""
    body, content_type = multipart(json.dumps(honest_payload()), list(photos))
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=60)
    try:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": content_type,
            "Idempotency-Key": new_id(),
        }
        conn.request("POST", f"{url.path}/assignments/{assignment_id}/submission", body, headers)
        response = conn.getresponse()
        answer = json.loads(response.read() or b"{}")
    finally:
        conn.close()
    assert response.status == 202, answer
    return answer


def _decided(db: Database, submission_id: str) -> Any:
    """The submission's row once decided, polled every 20 ms; None after the timeout."""
    query = select(
        Submission.status, Submission.decided_at, Submission.reasons, Submission.flags
    ).where(Submission.id == submission_id)
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        with db.transaction(write=False) as session:
            row = session.execute(query).first()
        if row is not None and row.decided_at is not None:
            return row
        time.sleep(POLL_S)
    return None


def _submit(db: Database, base: str, token: str, mission: str, photos: Sequence[bytes]) -> Any:
    """Claim, upload and wait for the decision; the timings and the outcome."""
    status, claim = post(f"{base}/missions/{mission}/claim", token)
    assert status == 201, claim
    sent_at, start = datetime.now(UTC), time.perf_counter()
    accepted = _upload(base, token, claim["assignment_id"], photos)
    uploaded = time.perf_counter() - start
    row = _decided(db, accepted["submission_id"])
    if row is None:
        return {"upload_s": uploaded, "status": "timeout"}
    return {
        "upload_s": uploaded,
        "decision_s": (row.decided_at - sent_at).total_seconds(),
        "seen_s": time.perf_counter() - start,
        "status": row.status,
        "why": [*row.reasons, *row.flags],
    }


def _seconds(samples: list[float]) -> dict[str, float]:
    """Median, 95th percentile and worst, in seconds."""
    ordered = sorted(samples) or [float("nan")]
    return {
        "p50_s": round(statistics.median(ordered), 3),
        "p95_s": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)], 3),
        "max_s": round(ordered[-1], 3),
        "n": len(samples),
    }


def _errors(logs: list[Path]) -> list[str]:
    """Lines of gunicorn's and the worker's logs that report an error or a traceback."""
    marks = ('"level": "error"', '"level": "critical"', "[ERROR]", "Traceback")
    return [
        line
        for log in logs
        for line in log.read_text(errors="replace").splitlines()
        if any(mark in line for mark in marks)
    ]


def run(
    url: str, broker: str, var: str, n: int, photos: dict[str, Any] | None = None
) -> dict[str, Any]:
    """n submissions from 3 uploaders through gunicorn and a Celery worker; their timings.
    `photos`: the settings of the photo store (a bucket's), else the local folder."""
    sets, nearest = photo_sets(n + WARM)
    # Earlier benchmarks leave their tasks on the shared broker; this worker must not
    # spend its time failing on them (their rows are gone).
    redis.Redis.from_url(broker).flushdb()
    store = photos or {}
    app = bench_app(url, broker, var, store)
    db = app.extensions["fairfield.db"]
    missions, tokens = _missions(db, n + WARM), bulk_workers(db, n + WARM)
    config = {
        "DATABASE_URL": url,
        "BROKER_URL": broker,
        "VAR_DIR": var,
        "RATELIMIT_ENABLED": False,
        "OUTBOX_RELAY_ON_COMMIT": True,
        **store,
    }
    tag = new_id()[:8]
    logs = [Path(var) / f"gunicorn-pipeline-{tag}.log", Path(var) / f"celery-pipeline-{tag}.log"]
    workers = os.cpu_count() or 2
    worker = spawn_worker(
        config,
        logs[1],
        name=f"bench-{tag}",
        concurrency=CELERY_CONCURRENCY,
        loglevel="WARNING",
    )
    try:
        with gunicorn(config, logs[0], workers) as base:
            for i in range(WARM):  # the worker's boot, imports and pools; not measured
                _submit(db, base, tokens[i], missions[i], sets[i])
            started = time.perf_counter()
            with ThreadPoolExecutor(UPLOADERS) as pool:
                jobs = range(WARM, n + WARM)
                results = list(
                    pool.map(lambda i: _submit(db, base, tokens[i], missions[i], sets[i]), jobs)
                )
            wall = time.perf_counter() - started
        bucket = photos_in_bucket(app) if photos else None
    finally:
        worker.stop()
        db.engine.dispose()
    done = [r for r in results if "decision_s" in r]
    errors = _errors(logs)
    return {
        "submissions": n,
        "photo_store": store.get("PHOTO_STORE", "local"),
        "photos_per_submission": PHOTOS,
        "photo_bytes_mean": int(np.mean([len(p) for s in sets for p in s])),
        "least_hamming_between_photos": nearest,
        "concurrent_uploaders": UPLOADERS,
        "gunicorn_workers": workers,
        "celery_concurrency": CELERY_CONCURRENCY,
        "upload_to_decision": _seconds([r["decision_s"] for r in done]),
        "upload_request": _seconds([r["upload_s"] for r in results]),
        "decision_seen_by_client": _seconds([r["seen_s"] for r in done]),
        "submissions_per_second": round(n / wall, 2),
        "statuses": dict(Counter(r["status"] for r in results)),
        "reasons_and_flags": dict(Counter(w for r in done for w in r["why"])),
        "error_lines_in_logs": len(errors),
        "first_error_lines": [line[:300] for line in errors[:3]],
        **({"bucket": bucket} if bucket is not None else {}),
    }
