"""Submitting from a basement: the network is cut in the middle of the second photo's upload,
the app says it will resume, the page is reloaded while the network is still down, the
network returns, and the submission completes with byte-identical photos, decided once.

The phone talks to the live server (gunicorn, PostgreSQL, a real Celery worker) through a
loopback proxy the test controls (tests/support/netproxy.py): DevTools' offline mode does not
cover the service worker's fetches, a cut socket does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from backend.submissions.models import Decision, Photo, Submission
from backend.uploads.models import Upload
from tests.support.console import button, console_errors, serious_violations, wait
from tests.support.factories import UserFactory
from tests.support.netproxy import netproxy
from tests.support.phone import (
    CUT,
    camera_photo,
    claimed_here,
    fill_task,
    open_task,
    rows,
    saved,
    shown,
    tap,
)
from tests.support.processes import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

NETWORK_WAIT = 120  # seconds: the queue retries with backoff (at most a minute apart)
# The network errors a cut provokes are the point of the test, not a fault of the page.


def stored_photos(app: Any, db: Any, submission_id: str) -> list[bytes]:
    """The bytes the server keeps of a submission's photos, in order."""
    from backend.storage import photo_store

    kept = rows(
        db,
        select(Photo.sha256).where(Photo.submission_id == submission_id).order_by(Photo.position),
    )
    with app.app_context():
        store = photo_store()
        out = []
        for row in kept:
            with store.open(row.sha256) as stored:
                out.append(stored.read())
    return out


def decided_once(db: Any, submission_id: str) -> None:
    """Wait for the Celery worker's decision; there is exactly one submission and one decision."""

    def decided() -> bool:
        status = rows(db, select(Submission.status))[0].status
        return status not in ("uploading", "received", "validating")

    wait_until(decided, 90, "the worker to decide the submission")
    assert len(rows(db, select(Submission.id))) == 1
    decisions = rows(db, select(Decision.id).where(Decision.submission_id == submission_id))
    assert len(decisions) == 1


def test_a_cut_upload_resumes_after_a_reload_and_arrives_whole_once(
    app, client, gunicorn, db, make, auth_headers, claim, start_worker, phone, tmp_path: Path
):
    start_worker()
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)
    originals = [camera_photo(seed) for seed in (41, 42)]

    with netproxy(gunicorn.removesuffix("/api/v1")) as net:
        open_task(phone, net.url, headers, assignment_id)
        fill_task(phone, saved(tmp_path, originals))
        assert serious_violations(phone) == []

        # The second photo's first PATCH starts at offset 0 (the first one's already did):
        # half of its bytes go through, then the network goes.
        net.cut_after(len(originals[1]) // 2, after=b"Upload-Offset: 0\r\n", occurrence=2)
        tap(phone, button(phone, "Submit"))
        wait_until(lambda: net.is_cut, 60, "the cut in the second photo")
        wait(phone, lambda d: shown(d, "will resume"), 60)

        submission_id = rows(db, select(Submission.id))[0].id
        uploads = rows(db, select(Upload.id, Upload.completed_at).order_by(Upload.position))
        assert uploads[0].completed_at is not None  # the first photo is in, whole
        assert uploads[1].completed_at is None

        # Reloaded while the network is down: the shell comes from the service worker, the
        # queue from IndexedDB, and the app still says it will resume.
        phone.refresh()
        wait(phone, lambda d: shown(d, "will resume"), 60)
        partial = requests.head(
            f"{gunicorn}/uploads/{uploads[1].id}",
            headers=headers | {"Tus-Resumable": "1.0.0"},
            timeout=60,
        )
        offset = int(partial.headers["Upload-Offset"])
        assert 0 < offset < len(originals[1])  # it resumes from here, not from the start

        net.restore()
        wait(phone, lambda d: shown(d, "Sent"), NETWORK_WAIT)
        assert net.cuts == 1

    decided_once(db, submission_id)
    assert stored_photos(app, db, submission_id) == originals  # byte for byte
    assert console_errors(phone, allowed=CUT) == []


def test_a_declaration_whose_answer_is_lost_is_sent_again_as_the_same_submission(
    app, client, gunicorn, db, make, auth_headers, claim, start_worker, phone, tmp_path: Path
):
    start_worker()
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)
    originals = [camera_photo(43)]

    with netproxy(gunicorn.removesuffix("/api/v1")) as net:
        open_task(phone, net.url, headers, assignment_id)
        fill_task(phone, saved(tmp_path, originals))
        # The server records the submission; the phone never hears of it.
        net.lose_answer(after=b"/resumable-submission")
        tap(phone, button(phone, "Submit"))
        wait_until(lambda: net.is_cut, 60, "the declaration's answer to be lost")
        wait(phone, lambda d: shown(d, "will resume"), 60)
        assert len(rows(db, select(Submission.id))) == 1
        net.restore()
        wait(phone, lambda d: shown(d, "Sent"), NETWORK_WAIT)

    submission_id = rows(db, select(Submission.id))[0].id
    decided_once(db, submission_id)  # the same Idempotency-Key: the first answer, replayed
    assert stored_photos(app, db, submission_id) == originals
    assert console_errors(phone, allowed=CUT) == []
