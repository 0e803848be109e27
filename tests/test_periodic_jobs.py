"""Every job on beat's schedule is idempotent: run twice in a row (a second beat, a late
copy, a retry) it does its work once. Each job's "twice" test is named here; the jobs no
other module runs twice are tested below."""

from __future__ import annotations

import ast
import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func, select, update

from backend.kernel.clock import utcnow
from backend.mail import service as mail
from backend.mail.models import MailMessage
from backend.missions.models import Assignment, Mission
from backend.outbox.models import OutboxMessage
from backend.outbox.service import UNSENT_GRACE
from backend.settings import defaults_with
from backend.tasks import _beat_schedule
from backend.webhooks import service as webhooks
from backend.webhooks.delivery import SWEEP_GRACE
from backend.webhooks.models import WebhookMessage
from backend.webhooks.service import DELIVER
from tests.support.factories import BrandFactory, UserFactory
from tests.support.receiver import always, receiver
from tests.support.submitting import overdue_claim

ROOT = Path(__file__).resolve().parents[1]

# Each job of the schedule, and the test that runs it twice and finds its effect once.
TWICE = {
    "outbox-sweep": ("tests/test_periodic_jobs.py", "test_the_outbox_sweep_twice_resends_once"),
    "webhooks-sweep": ("tests/test_periodic_jobs.py", "test_the_webhook_sweep_twice_posts_once"),
    "missions-expire-assignments": (
        "tests/test_periodic_jobs.py",
        "test_expiring_claims_twice_reopens_the_mission_once",
    ),
    "campaigns-open-due-rounds": (
        "tests/campaigns/test_rounds.py",
        "test_a_weekly_campaign_opens_funds_and_closes_its_rounds",
    ),
    "uploads-sweep": (
        "tests/uploads/test_resumable.py",
        "test_the_sweep_accepts_finished_bytes_and_abandons_what_expired",
    ),
    "storage-sweep-uploads": (
        "tests/test_periodic_jobs.py",
        "test_sweeping_half_written_uploads_twice_deletes_once",
    ),
    "storage-sweep-orphans": (
        "tests/uploads/test_orphans.py",
        "test_a_day_old_photo_nothing_names_is_deleted_with_its_copies",
    ),
    "review-approve-overdue": (
        "tests/review/test_deadline.py",
        "test_a_submission_past_the_deadline_is_approved_and_paid_by_beat",
    ),
    "accounts-purge-expired-tokens": (
        "tests/organisations/test_team.py",
        "test_invitations_expired_unused_are_purged_and_accepted_ones_kept",
    ),
    "privacy-reduce-locations": (
        "tests/privacy/test_retention.py",
        "test_old_positions_are_reduced_once_and_recent_ones_kept",
    ),
    "mail-purge-settled": (
        "tests/test_periodic_jobs.py",
        "test_purging_settled_mail_twice_deletes_it_once",
    ),
    "stores-sweep-import-files": (
        "tests/stores/test_import_task.py",
        "test_files_left_over_a_day_are_swept_unless_their_import_still_needs_them",
    ),
    "reconciliation-nightly-ledger-check": (
        "tests/reconciliation/test_ledger_check_runs.py",
        "test_beat_queues_one_nightly_run_a_night",
    ),
}


def test_every_job_on_the_schedule_has_a_twice_test():
    assert set(TWICE) == set(_beat_schedule(defaults_with()))
    for job, (path, name) in TWICE.items():
        tree = ast.parse((ROOT / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in names, (job, path, name)


def count(db: Any, model: Any) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_expiring_claims_twice_reopens_the_mission_once(app, client, db, make, auth_headers):
    from workers.missions import expire_assignments

    mission_id, assignment_id = overdue_claim(client, db, make, auth_headers)
    with app.app_context():
        assert expire_assignments.apply(throw=True).get() == 1
        messages = count(db, OutboxMessage)  # what the expiry tells (events, webhooks)
        assert expire_assignments.apply(throw=True).get() == 0  # nothing twice
    assert count(db, OutboxMessage) == messages
    with db.transaction(write=False) as session:
        assert session.get_one(Assignment, assignment_id).status == "expired"
        assert session.get_one(Mission, mission_id).status == "open"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    # A crash between commit and relay: only the sweepers send; webhooks to this machine.
    return app_config | {"OUTBOX_RELAY_ON_COMMIT": False, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True}


def test_the_outbox_sweep_twice_resends_once(app, db, app_config):
    from backend.ops import service
    from workers.outbox import sweep

    with app.app_context(), db.transaction() as session:
        service.request_pipeline_check(db_session=session, requested_by=None)
    with db.transaction() as session:
        session.execute(update(OutboxMessage).values(created_at=utcnow() - 2 * UNSENT_GRACE))
    broker = redis.Redis.from_url(app_config["BROKER_URL"])
    with app.app_context():
        assert sweep.apply(throw=True).get() == 1
        assert sweep.apply(throw=True).get() == 0  # sent a moment ago: not again
    assert broker.llen("celery") == 1  # one task on the broker (a copy would find it done)


def test_purging_settled_mail_twice_deletes_it_once(app, db):
    from workers.mail import purge_settled

    with app.app_context(), db.transaction() as session:
        old = [
            mail.queue(db_session=session, kind="email_verification", to_address=a, locale="en")
            for a in ("sent@example.org", "waiting@example.org")
        ]
        old[0].status = "sent"
        ids = [m.id for m in old]
    with db.transaction() as session:
        session.execute(update(MailMessage).values(created_at=utcnow() - timedelta(days=31)))
    with app.app_context():
        assert purge_settled.apply(throw=True).get() == 1
        assert purge_settled.apply(throw=True).get() == 0
    with db.transaction(write=False) as session:
        assert session.scalars(select(MailMessage.id)).all() == [ids[1]]  # queued: kept


def test_the_webhook_sweep_twice_posts_once(app, client, db, make, auth_headers, app_config):
    from workers.webhooks import deliver, sweep

    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory, role="brand", brand=brand))
    broker = redis.Redis.from_url(app_config["BROKER_URL"])
    with receiver(always(204)) as hook:
        made = client.post(
            "/api/v1/webhooks",
            json={"url": f"{hook.url}/in", "events": ["campaign.completed"]},
            headers=headers,
        )
        assert made.status_code == 201, made.json
        with app.app_context(), db.transaction() as session:
            (message_id,) = webhooks.emit(
                db_session=session,
                brand_id=brand.id,
                event_type="campaign.completed",
                data={"campaign_id": "c1"},
                now=utcnow(),
            )
        with db.transaction() as session:  # its task was lost long ago
            session.execute(
                update(WebhookMessage).values(next_attempt_at=utcnow() - 2 * SWEEP_GRACE)
            )
        with app.app_context():
            assert sweep.apply(throw=True).get() == 1
            assert sweep.apply(throw=True).get() == 1  # no worker yet: still due, sent again
            copies = [json.loads(raw)["headers"] for raw in broker.lrange("celery", 0, -1)]
            assert [c["task"] for c in copies] == [DELIVER, DELIVER]
            # The worker takes both copies: one posts, the other finds the attempt taken.
            results = [
                deliver.apply(args=[message_id], task_id=c["id"], throw=True).get() for c in copies
            ]
        assert sorted(results) == ["delivered", "not_due"]
        assert [r.headers["webhook-id"] for r in hook.requests()] == [message_id]


def test_sweeping_half_written_uploads_twice_deletes_once(app):
    from workers.storage import ABANDONED_AFTER_S, sweep_uploads

    folder = Path(app.config["PHOTO_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    old, fresh = folder / ".upload-old", folder / ".upload-fresh"
    old.write_bytes(b"half a photo")
    fresh.write_bytes(b"being written")
    then = time.time() - ABANDONED_AFTER_S - 60
    os.utime(old, (then, then))
    with app.app_context():
        assert sweep_uploads.apply(throw=True).get() == 1
        assert sweep_uploads.apply(throw=True).get() == 0
    assert not old.exists()
    assert fresh.exists()
