"""Celery wired into the Flask app (Flask's pattern): settings, the task modules, beat.

The outbox's task helpers (enqueue, outbox_task) live in backend/outbox/tasks.py."""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

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
]


def celery_init_app(app: Flask) -> Celery:
    """Build the Celery app from the Flask config; every task runs inside the app context."""

    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    cfg = app.config
    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=cfg["BROKER_URL"],
        broker_connection_retry_on_startup=True,
        broker_transport_options=_transport_options(cfg),
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=int(cfg["TASK_SOFT_TIME_LIMIT"]),
        task_time_limit=int(cfg["TASK_TIME_LIMIT"]),
        task_serializer="json",
        accept_content=["json"],
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        worker_hijack_root_logger=False,
        beat_schedule=_beat_schedule(cfg),
        beat_schedule_filename=f"{cfg['VAR_DIR']}/celerybeat-schedule",
        include=TASK_MODULES,
        timezone="UTC",
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def _transport_options(cfg: dict[str, Any]) -> dict[str, Any]:
    if str(cfg["BROKER_URL"]).startswith("redis"):
        # Unacked messages of a killed worker come back after this; the sweeper may be faster.
        return {"visibility_timeout": int(cfg["BROKER_VISIBILITY_TIMEOUT"])}
    return {}  # the SQLAlchemy transport hands its options to create_engine: give it none


def _beat_schedule(cfg: dict[str, Any]) -> dict[str, Any]:
    return {
        "outbox-sweep": {
            "task": "outbox.sweep",
            "schedule": float(cfg["OUTBOX_SWEEP_SECONDS"]),
        },
        "missions-expire-assignments": {
            "task": "missions.expire_assignments",
            "schedule": float(cfg["CLAIM_EXPIRY_SWEEP_SECONDS"]),
        },
        "uploads-sweep": {
            "task": "uploads.sweep",
            "schedule": float(cfg["UPLOAD_SWEEP_SECONDS"]),
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
            "schedule": float(cfg["REVIEW_DEADLINE_SWEEP_SECONDS"]),
        },
        "accounts-purge-expired-tokens": {
            "task": "accounts.purge_expired_tokens",
            "schedule": 3600.0,
        },
        "privacy-reduce-locations": {
            "task": "privacy.reduce_locations",
            "schedule": 86400.0,
        },
    }
