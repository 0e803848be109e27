"""The outbox: nothing leaves before commit, a rollback sends nothing, the sweeper resends."""

from __future__ import annotations

import json
from datetime import timedelta

import redis
from sqlalchemy import select, update

from backend.kernel.clock import utcnow
from backend.outbox import service as outbox
from backend.outbox.models import OutboxMessage
from backend.settings import override_settings


def queued(redis_url):
    """Task ids waiting in the broker's default queue."""
    client = redis.Redis.from_url(f"{redis_url}/1")
    return [json.loads(raw)["headers"]["id"] for raw in client.lrange("celery", 0, -1)]


def test_message_is_sent_only_after_commit(app, db, redis_url):
    with app.app_context():
        session = db.session(write=True)
        message = outbox.enqueue(
            db_session=session, task_name="ops.complete_pipeline_check", args=["x"]
        )
        assert queued(redis_url) == []  # flushed, not committed: nothing on the broker
        session.commit()
        session.close()
    assert queued(redis_url) == [message.id]
    with db.transaction(write=False) as session:
        row = session.get(OutboxMessage, message.id)
        assert row.attempts == 1
        assert row.last_sent_at is not None
        assert row.done_at is None


def test_rollback_sends_nothing_and_keeps_nothing(app, db, redis_url):
    with app.app_context():
        session = db.session(write=True)
        outbox.enqueue(db_session=session, task_name="ops.complete_pipeline_check", args=["x"])
        session.rollback()
        session.close()
    assert queued(redis_url) == []
    with db.transaction(write=False) as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_a_savepoint_rolled_back_takes_its_messages_with_it(app, db, redis_url):
    # The relay sends what the transaction wrote without reading it back, unless a
    # savepoint (a bulk approval's refused one) may have taken some of it away.
    with app.app_context(), db.transaction() as session:
        kept = outbox.enqueue(db_session=session, task_name="t.kept")
        try:
            with session.begin_nested():
                outbox.enqueue(db_session=session, task_name="t.undone")
                raise RuntimeError("refused")
        except RuntimeError:
            pass
    assert queued(redis_url) == [kept.id]
    with db.transaction(write=False) as session:
        assert [m.task_name for m in session.scalars(select(OutboxMessage))] == ["t.kept"]
        assert session.get(OutboxMessage, kept.id).attempts == 1


def test_relay_failure_leaves_the_message_for_the_sweeper(app_config, redis_url):
    from backend import create_app

    # A broker nobody listens on: the commit must still succeed.
    app = create_app(app_config | {"BROKER_URL": "redis://127.0.0.1:1/0"})
    database = app.extensions["fairfield.db"]
    with app.app_context():
        with database.transaction() as session:
            message = outbox.enqueue(db_session=session, task_name="t.x", args=[])
        with database.transaction(write=False) as session:
            row = session.get(OutboxMessage, message.id)
            assert row is not None
            assert (row.last_sent_at, row.attempts) == (None, 0)
    database.engine.dispose()


def test_sweeper_resends_unsent_and_stale_but_not_fresh_or_done(app, db, redis_url):
    override_settings(app, OUTBOX_RELAY_ON_COMMIT=False)
    now = utcnow()
    with app.app_context():
        with db.transaction() as session:
            ids = {}
            for name in ("unsent_old", "unsent_fresh", "stale", "recent", "done"):
                ids[name] = outbox.enqueue(db_session=session, task_name="t." + name).id
            ages = {
                "unsent_old": {"created_at": now - timedelta(seconds=30)},
                "unsent_fresh": {"created_at": now},
                "stale": {
                    "created_at": now - timedelta(hours=1),
                    "last_sent_at": now - timedelta(seconds=400),
                    "attempts": 1,
                },
                "recent": {
                    "created_at": now - timedelta(minutes=1),
                    "last_sent_at": now - timedelta(seconds=10),
                    "attempts": 1,
                },
                "done": {"created_at": now - timedelta(hours=1), "done_at": now},
            }
            for name, values in ages.items():
                session.execute(
                    update(OutboxMessage).where(OutboxMessage.id == ids[name]).values(**values)
                )
        sent = outbox.sweep(resend_after=timedelta(seconds=300))
    assert sent == 2
    assert sorted(queued(redis_url)) == sorted([ids["unsent_old"], ids["stale"]])
    with db.transaction(write=False) as session:
        assert session.get(OutboxMessage, ids["stale"]).attempts == 2


def test_consume_once_closes_a_message_exactly_once(app, db):
    override_settings(app, OUTBOX_RELAY_ON_COMMIT=False)
    with app.app_context():
        with db.transaction() as session:
            message = outbox.enqueue(db_session=session, task_name="t.x")
        with db.transaction() as session:
            assert outbox.consume_once(db_session=session, message_id=message.id) is True
        with db.transaction() as session:
            assert outbox.consume_once(db_session=session, message_id=message.id) is False
        # A consumer whose transaction fails leaves the message open for the next copy.
        with db.transaction() as session:
            other = outbox.enqueue(db_session=session, task_name="t.y")
        try:
            with db.transaction() as session:
                assert outbox.consume_once(db_session=session, message_id=other.id)
                raise RuntimeError("the task's effect failed")
        except RuntimeError:
            pass
        with db.transaction() as session:
            assert outbox.consume_once(db_session=session, message_id=other.id) is True
        with db.transaction() as session:
            # Tasks sent directly (beat) carry no outbox row and always run.
            assert outbox.consume_once(db_session=session, message_id="not-an-outbox-id")
