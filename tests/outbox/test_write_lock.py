"""The broker is never called while SQLite's write lock is held: not after commit, not by
the sweeper (a slow or unreachable broker would stop every writer)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from backend.kernel.clock import utcnow
from backend.outbox import service as outbox
from backend.outbox.models import OutboxMessage
from backend.settings import override_settings
from tests.support.locks import probe_write_lock


def test_messages_are_published_without_the_write_lock(app, db, backend_name, monkeypatch):
    if backend_name != "sqlite":
        pytest.skip("one writer at a time is SQLite's; PostgreSQL locks rows")
    sent = probe_write_lock(
        monkeypatch, app.extensions["celery"], "send_task", app.config["DATABASE_URL"]
    )
    with app.app_context():
        with db.transaction() as session:  # relayed after its commit
            outbox.enqueue(db_session=session, task_name="t.relayed")
        override_settings(app, OUTBOX_RELAY_ON_COMMIT=False)
        with db.transaction() as session:  # left for the sweeper
            outbox.enqueue(db_session=session, task_name="t.swept")
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.task_name == "t.swept")
                .values(created_at=utcnow() - timedelta(minutes=1))
            )
        assert outbox.sweep(resend_after=timedelta(minutes=5)) == 1
    assert sent == [True, True]
