"""Resumable uploads under a bad network: connections cut at random points, through gunicorn,
validated by a real Celery worker; every submission completes with byte-identical photos."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from backend.submissions.models import Photo, Submission
from backend.uploads.models import Upload
from tests.support.photos import jpeg, shelf
from tests.support.processes import wait_until
from tests.support.stores import partials_left
from tests.support.tus import Tus, declaration
from tests.uploads.flaky import FlakyTus

pytestmark = pytest.mark.integration

SUBMISSIONS = 10
DECIDED = {"in_review", "approved", "rejected"}


def statuses(db, ids):
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Submission.id, Submission.status).where(Submission.id.in_(ids))
        )
        return dict(rows.all())


def test_every_submission_completes_with_byte_identical_photos_despite_cuts(
    app, client, db, claim, gunicorn, start_worker
):
    start_worker(UPLOAD_SWEEP_SECONDS=2)
    origin = gunicorn.removesuffix("/api/v1")
    rng = random.Random(20261124)
    jobs, photos, owners = [], {}, {}
    for n in range(SUBMISSIONS):
        claimed = claim()
        shots = [jpeg(shelf(seed=100 + 2 * n)), jpeg(shelf(seed=101 + 2 * n))]
        body = Tus(client, claimed.headers).declare(claimed.assignment_id, declaration(shots))
        assert body.status_code == 201, body.json
        owners[body.json["submission_id"]] = claimed.headers
        token = claimed.headers["Authorization"].removeprefix("Bearer ")
        for upload, shot in zip(body.json["uploads"], shots, strict=True):
            photos[(body.json["submission_id"], upload["position"])] = shot
            client_rng = random.Random(rng.random())
            jobs.append((FlakyTus(origin, token, client_rng), upload["url"], shot))

    # Photos of one submission go up side by side, so their last bytes race to complete it.
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda job: job[0].upload(job[1], job[2]), jobs))
    cuts = sum((job[0].cuts for job in jobs), Counter())
    assert cuts["in_body"] >= 20, cuts
    assert cuts["in_headers"] >= 3, cuts
    assert cuts["answer_lost"] >= 3, cuts

    ids = sorted({submission_id for submission_id, _ in photos})
    wait_until(lambda: set(statuses(db, ids).values()) <= DECIDED, 180, "every submission decided")
    with db.transaction(write=False) as session:
        stored = session.execute(select(Photo.id, Photo.submission_id, Photo.position)).all()
        assert session.scalars(select(Upload).where(Upload.completed_at.is_(None))).all() == []
    assert len(stored) == len(photos)
    for photo_id, submission_id, position in stored:
        original = photos[(submission_id, position)]
        served = client.get(f"/api/v1/photos/{photo_id}", headers=owners[submission_id])
        assert served.status_code == 200
        assert hashlib.sha256(served.data).hexdigest() == hashlib.sha256(original).hexdigest()
        assert served.data == original
    assert partials_left(app) == []
