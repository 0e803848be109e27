"""Beat's schedule is the code's: with a Redis broker it lives in Redis (celery-redbeat), and
each beat that takes the lock makes Redis hold the code's entries, and only them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from redbeat.schedulers import RedBeatSchedulerEntry, get_redis
from redis.exceptions import LockNotOwnedError

from backend import create_app
from workers.beat import OneBeatScheduler


@pytest.fixture
def beat_app(redis_url, tmp_path):
    """build(**settings): an app on the test's Redis, under a key prefix of this test's."""
    prefix = f"fairfield:beat:{uuid.uuid4().hex}:"
    built = []

    def build(**settings):
        config = {"VAR_DIR": str(tmp_path / "var"), "BROKER_URL": f"{redis_url}/1"}
        app = create_app(config | {"BEAT_KEY_PREFIX": prefix, "LOG_LEVEL": "WARNING"} | settings)
        built.append(app)
        return app.extensions["celery"]

    yield build
    for app in built:
        app.extensions["fairfield.db"].engine.dispose()


def installed(celery):
    """The scheduler a beat builds, after it took the lock and wrote the code's schedule."""
    scheduler = OneBeatScheduler(app=celery)
    scheduler.install_code_schedule()
    return scheduler


def stored(celery):
    conf = celery.redbeat_conf
    return {
        key.removeprefix(conf.key_prefix)
        for key in get_redis(celery).zrange(conf.schedule_key, 0, -1)
    }


def entry(celery, name):
    return RedBeatSchedulerEntry.from_key(celery.redbeat_conf.key_prefix + name, app=celery)


def test_a_redis_broker_puts_beat_under_one_lock(beat_app):
    celery = beat_app(BEAT_LOCK_TIMEOUT_SECONDS=30)
    assert celery.conf.beat_scheduler == "workers.beat:OneBeatScheduler"
    assert celery.conf.redbeat_redis_url == celery.conf.broker_url
    assert celery.conf.redbeat_key_prefix.startswith("fairfield:beat:")
    assert celery.conf.redbeat_lock_timeout == 30
    assert celery.conf.beat_max_loop_interval <= 30 / 5  # the lock is renewed in time


def test_the_embedded_broker_keeps_beat_in_a_file(tmp_path):
    app = create_app({"VAR_DIR": str(tmp_path / "var"), "LOG_LEVEL": "WARNING"})
    celery = app.extensions["celery"]
    assert celery.conf.beat_scheduler == "celery.beat:PersistentScheduler"
    assert celery.conf.beat_schedule_filename == f"{tmp_path / 'var'}/celerybeat-schedule"
    app.extensions["fairfield.db"].engine.dispose()


def test_a_new_job_first_runs_one_interval_after_it_is_installed(beat_app):
    celery = beat_app(OUTBOX_SWEEP_SECONDS=600)
    before = datetime.now(UTC)
    installed(celery)
    assert stored(celery) == set(celery.conf.beat_schedule)
    sweep = entry(celery, "outbox-sweep")
    assert sweep.last_run_at >= before - timedelta(seconds=1)
    assert sweep.due_at >= before + timedelta(seconds=590)


def test_a_changed_interval_counts_from_the_last_run_and_a_removed_job_stops(beat_app):
    old = beat_app(OUTBOX_SWEEP_SECONDS=3600)
    old.conf.beat_schedule["gone"] = {"task": "outbox.sweep", "schedule": 60.0}
    installed(old)
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    entry(old, "outbox-sweep").reschedule(last_run_at=ten_minutes_ago)
    assert "gone" in stored(old)

    new = beat_app(OUTBOX_SWEEP_SECONDS=60)  # the next release: every minute, "gone" gone
    scheduler = installed(new)
    assert stored(new) == set(new.conf.beat_schedule)
    assert get_redis(new).exists(new.redbeat_conf.key_prefix + "gone") == 0
    sweep = entry(new, "outbox-sweep")
    assert sweep.schedule.run_every == timedelta(seconds=60)
    assert sweep.last_run_at == ten_minutes_ago
    assert "outbox-sweep" in scheduler.schedule  # overdue under the new interval: due now
    assert "gone" not in scheduler.schedule


def test_a_beat_whose_lock_was_taken_sends_nothing(beat_app):
    celery = beat_app(OUTBOX_SWEEP_SECONDS=60, BEAT_LOCK_TIMEOUT_SECONDS=30)
    scheduler = installed(celery)
    scheduler.take_lock()
    sent = []
    scheduler.apply_async = lambda due, **_kwargs: sent.append(due.name)
    entry(celery, "outbox-sweep").reschedule(last_run_at=datetime.now(UTC) - timedelta(hours=1))
    due = scheduler.schedule["outbox-sweep"]  # read while the lock is this beat's
    scheduler.maybe_due(due, producer=None)
    assert sent == ["outbox-sweep"]

    # The beat stalls past its lock's timeout; another takes the lock, then this one resumes.
    client = get_redis(celery)
    client.delete(scheduler.lock_key)
    assert client.lock(scheduler.lock_key, timeout=30).acquire(blocking=False)
    with pytest.raises(LockNotOwnedError):
        scheduler.maybe_due(due, producer=None)
    assert sent == ["outbox-sweep"]
    assert scheduler.tick() == 0.0  # lets go and waits for the lock, sending nothing
    assert scheduler.lock is None
    assert sent == ["outbox-sweep"]
