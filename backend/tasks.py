"""Celery wired into the Flask app (Flask's pattern): settings, the task modules, beat.

The outbox's task helpers (enqueue, outbox_task) live in backend/outbox/tasks.py."""

from __future__ import annotations

import gc
import logging
from typing import Any

from celery import Celery, Task, signals
from celery.schedules import crontab
from flask import Flask

from backend.errors import outage_level
from backend.observe import init_celery as init_observe
from backend.settings import Settings, settings_of

log = logging.getLogger(__name__)

TASK_MODULES = [
    "workers.outbox",
    "workers.accounts",
    "workers.ops",
    "workers.missions",
    "workers.validation",
    "workers.storage",
    "workers.review",
    "workers.privacy",
    "workers.uploads",
    "workers.photos",
    "workers.reconciliation",
    "workers.stores",
    "workers.mail",
    "workers.webhooks",
    "workers.campaigns",
]


class Outage(Exception):
    """A task met a database, broker, bucket or disk that could not serve it just then (a
    restart, a failover, a full disk): its transaction was rolled back, and it runs again,
    as every task does that did not finish (the outbox sends its message again, the webhook
    sweeper its delivery, beat its next period). An expected failure: logged as the outage
    is (a warning, a full disk or a deadlock an error), not as a bug with Celery's traceback,
    and not sent to Sentry."""


@signals.worker_before_create_process.connect
def _freeze_before_fork(**_: object) -> None:
    """Before a worker forks a pool child, put what it holds out of the collector's reach
    (gc.freeze, as Python's documentation advises before a fork). A child's collections then
    leave the pages it shares with its parent as they are, and they stay shared; else each
    full collection in a child writes to them, and they are copied into the child."""
    gc.freeze()


def celery_init_app(app: Flask) -> Celery:
    """Build the Celery app from the Flask config; every task runs inside the app context."""

    class FlaskTask(Task):
        throws = (Outage,)

        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                except Exception as error:
                    level = outage_level(error)
                    if level is None:
                        raise
                    log.log(level, "a task met an outage; it will run again", exc_info=error)
                    said = str(error).splitlines() or [""]
                    raise Outage(f"{type(error).__name__}: {said[0]}") from error

    settings = settings_of(app)
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=settings.broker_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(settings),
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=settings.task_soft_time_limit,
        task_time_limit=settings.task_time_limit,
        task_serializer="json",
        accept_content=["json"],
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        worker_hijack_root_logger=False,
        beat_schedule=_beat_schedule(settings),
        result_expires=None,  # no results are kept: no celery.backend_cleanup job for beat
        **_beat_store(settings),
        include=TASK_MODULES,
        timezone="UTC",
    )
    celery.set_default()
    init_observe(celery, app)
    app.extensions["celery"] = celery
    return celery


def _redis_broker(settings: Settings) -> bool:
    return settings.broker_url.startswith(("redis://", "rediss://"))


def _transport_options(settings: Settings) -> dict[str, Any]:
    if _redis_broker(settings):
        # Unacked messages of a killed worker come back after this; the sweeper may be faster.
        return {"visibility_timeout": settings.broker_visibility_timeout}
    return {}  # the SQLAlchemy transport hands its options to create_engine: give it none


def _beat_store(settings: Settings) -> dict[str, Any]:
    """Where beat keeps its schedule. With a Redis broker, in that Redis under a lock (any
    number of beats may run, one sends: workers/beat.py); else in a file of this machine,
    where one beat must run (the embedded default)."""
    if not _redis_broker(settings):
        return {"beat_schedule_filename": f"{settings.var_dir}/celerybeat-schedule"}
    lock_timeout = settings.beat_lock_timeout_seconds
    return {
        "beat_scheduler": "workers.beat:OneBeatScheduler",
        "redbeat_redis_url": settings.broker_url,
        "redbeat_redis_options": {},  # the broker's transport options are not the client's
        "redbeat_key_prefix": settings.beat_key_prefix,
        "redbeat_lock_timeout": lock_timeout,
        # The running beat renews its lock at least this often; a waiting one tries as often
        # (so it takes over soon after a beat that stops releases the lock).
        "beat_max_loop_interval": min(lock_timeout / 5, 5.0),
    }


def _beat_schedule(settings: Settings) -> dict[str, Any]:
    return {
        "outbox-sweep": {
            "task": "outbox.sweep",
            "schedule": settings.outbox_sweep_seconds,
        },
        # Retries ride on countdowns; this finds the due ones a lost countdown left behind.
        "webhooks-sweep": {
            "task": "webhooks.sweep",
            "schedule": settings.outbox_sweep_seconds,
        },
        "missions-expire-assignments": {
            "task": "missions.expire_assignments",
            "schedule": settings.claim_expiry_sweep_seconds,
        },
        # Idempotent: a round opens once, however often (or late) the sweep runs.
        "campaigns-open-due-rounds": {
            "task": "campaigns.open_due_rounds",
            "schedule": settings.round_sweep_seconds,
        },
        "uploads-sweep": {
            "task": "uploads.sweep",
            "schedule": settings.upload_sweep_seconds,
        },
        "storage-sweep-uploads": {
            "task": "storage.sweep_uploads",
            "schedule": 3600.0,
        },
        "storage-sweep-orphans": {
            "task": "storage.sweep_orphans",
            "schedule": 86400.0,
        },
        "review-approve-overdue": {
            "task": "review.approve_overdue",
            "schedule": settings.review_deadline_sweep_seconds,
        },
        "accounts-purge-expired-tokens": {
            "task": "accounts.purge_expired_tokens",
            "schedule": 3600.0,
        },
        "privacy-reduce-locations": {
            "task": "privacy.reduce_locations",
            "schedule": 86400.0,
        },
        "mail-purge-settled": {
            "task": "mail.purge_settled",
            "schedule": 86400.0,
        },
        "stores-sweep-import-files": {
            "task": "stores.sweep_import_files",
            "schedule": 3600.0,
        },
        "reconciliation-nightly-ledger-check": {
            "task": "reconciliation.nightly_ledger_check",
            "schedule": crontab(hour=settings.ledger_check_hour, minute=0),
        },
    }
