"""The outbox's two ends: a service sends a task after its commit; a worker declares a task
the outbox feeds, consumed once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task, shared_task
from sqlalchemy.orm import Session

from backend.db import get_db
from backend.outbox import service as outbox

log = logging.getLogger(__name__)


def outbox_task(name: str, **options: Any) -> Callable[[Callable[..., None]], Any]:
    """Declare a task fed by the outbox: one transaction, effect and 'done' mark together.

    The wrapped function gets the session first, then the ids it was sent with; it flushes,
    the decorator commits. A copy of a message already done is acknowledged and ignored.
    """

    def decorate(fn: Callable[..., None]) -> Any:
        @shared_task(name=name, bind=True, **options)
        def task(self: Task, *args: Any) -> None:
            with get_db().transaction() as session:
                if not outbox.consume_once(db_session=session, message_id=self.request.id):
                    log.info("outbox message already done", extra={"task_id": self.request.id})
                    return
                fn(session, *args)

        task.__doc__ = fn.__doc__
        return task

    return decorate


def enqueue(db_session: Session, task_name: str, *args: Any) -> None:
    """Shorthand for services: send `task_name(*args)` once the transaction commits."""
    outbox.enqueue(db_session=db_session, task_name=task_name, args=args)
