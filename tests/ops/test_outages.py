"""A database or broker briefly away answers 503 problem+json with Retry-After (the request
did nothing; the same request goes through once it is back), never a 500."""

from __future__ import annotations

import contextlib
import logging

import kombu.exceptions
import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from backend import create_app, migrate
from backend.accounts.service import create_or_reset_admin
from backend.db import Database
from backend.errors import service_unavailable, storage_full
from backend.submissions.models import Photo, Submission
from tests.support.factories import UserFactory, token_for
from tests.support.load import bulk_workers
from tests.support.photos import jpeg, shelf
from tests.support.services import free_port, postgres_process, redis_process
from tests.support.submitting import submit

pytestmark = pytest.mark.integration


def app_on(pg, redis_url, tmp_path):
    """The app on a restartable PostgreSQL of the test's own, migrated."""
    database = Database(pg.url, pool_size=2, busy_timeout_ms=1000)
    migrate.upgrade(database)
    database.engine.dispose()
    return create_app(
        {"DATABASE_URL": pg.url, "BROKER_URL": f"{redis_url}/3", "VAR_DIR": str(tmp_path)}
    )


def test_requests_while_postgresql_restarts_answer_503_then_go_through(tmp_path, redis_url):
    with postgres_process() as pg:
        app = app_on(pg, redis_url, tmp_path)
        db = app.extensions["fairfield.db"]
        with app.app_context(), db.transaction() as session:
            admin, _ = create_or_reset_admin(
                db_session=session, email="a@outage.test", password="an outage password"
            )
        headers = {"Authorization": f"Bearer {token_for(app, admin)}"}
        client = app.test_client()
        assert client.get("/api/v1/me", headers=headers).status_code == 200

        pg._pg_ctl("-m", "fast", "-w", "stop")  # the pooled connection is now a dead one
        try:
            down = client.get("/api/v1/me", headers=headers)
            assert down.status_code == 503, down.json
            assert down.mimetype == "application/problem+json"
            assert down.json["code"] == "service_unavailable"
            assert down.headers["Retry-After"] == "5"
            refused = client.get("/api/v1/me", headers=headers)  # a new connection, refused
            assert refused.status_code == 503, refused.json
        finally:
            pg.start()
        assert client.get("/api/v1/me", headers=headers).status_code == 200
        db.engine.dispose()


def test_a_database_gone_under_a_driver_cursor_answers_503_not_500(
    tmp_path, redis_url, monkeypatch
):
    """The nearby search reads through the driver's own cursor (db.driver_cursor): a
    database that goes away between the sign-in and the search raises psycopg's error
    itself, not SQLAlchemy's, and the request's rollback then fails too. Both must end in
    a 503 (found by the market day's fault stretch: one nearby answered 500)."""
    from backend.marketplace import nearby

    with postgres_process() as pg:
        app = app_on(pg, redis_url, tmp_path)
        db = app.extensions["fairfield.db"]
        (token,) = bulk_workers(db, 1)
        headers = {"Authorization": f"Bearer {token}"}
        client = app.test_client()
        path = "/api/v1/missions/nearby?latitude=50.85&longitude=4.35&radius_m=5000"
        assert client.get(path, headers=headers).status_code == 200

        real = nearby.driver_cursor

        def stopping_first(db_session):
            pg._pg_ctl("-m", "fast", "-w", "stop")  # after the sign-in, before the search
            return real(db_session)

        monkeypatch.setattr(nearby, "driver_cursor", stopping_first)
        try:
            assert_unavailable(client.get(path, headers=headers))
        finally:
            monkeypatch.setattr(nearby, "driver_cursor", real)
            pg.start()
        assert client.get(path, headers=headers).status_code == 200
        db.engine.dispose()


def test_a_task_that_meets_an_outage_says_so_as_a_warning_and_runs_again_after(
    tmp_path, redis_url, caplog
):
    """A periodic task run while PostgreSQL restarts: a warning (no traceback of a bug,
    nothing for Sentry), an expected failure for Celery; its next run goes through."""
    from backend.tasks import Outage
    from workers.missions import expire_assignments

    root = logging.getLogger()
    with postgres_process() as pg, contextlib.ExitStack() as undo:
        app = app_on(pg, redis_url, tmp_path)
        root.addHandler(caplog.handler)  # the app set the root's handlers anew
        undo.callback(root.removeHandler, caplog.handler)
        with app.app_context():
            assert expire_assignments.apply(throw=True).get() == 0
            pg._pg_ctl("-m", "fast", "-w", "stop")
            try:
                with caplog.at_level("INFO"):
                    failed = expire_assignments.apply()
            finally:
                pg.start()
            assert failed.failed()
            assert isinstance(failed.result, Outage)
            said = [r for r in caplog.records if r.name == "backend.tasks"]
            assert [r.levelname for r in said] == ["WARNING"]
            assert said[0].getMessage() == "a task met an outage; it will run again"
            assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
            assert expire_assignments.apply(throw=True).get() == 0
        app.extensions["fairfield.db"].engine.dispose()


def _a_bug() -> None:
    raise ZeroDivisionError("a bug")


def test_a_bug_in_a_task_is_no_outage(app):
    """Only outages are expected failures: anything else fails the task as a bug does."""
    # One callable for every registration: Celery warns (an error here) when a name it
    # already knows comes back with another, as a function made inside the test would.
    a_bug = app.extensions["celery"].task(name="tests.a_bug")(_a_bug)
    with app.app_context():
        result = a_bug.apply()
    assert result.failed()
    assert isinstance(result.result, ZeroDivisionError)


def test_an_unreachable_broker_is_unavailable_and_other_errors_are_not():
    with redis_process() as broker:
        client = redis.Redis.from_url(broker.url)
        broker.kill()
        with pytest.raises(redis.exceptions.ConnectionError) as lost:
            client.ping()
    assert service_unavailable(lost.value)
    assert service_unavailable(kombu.exceptions.OperationalError("broker gone"))
    assert not service_unavailable(RuntimeError("a bug"))
    assert not service_unavailable(LookupError("a bug"))
    assert not storage_full(RuntimeError("a bug"))
    assert storage_full(OSError(28, "No space left on device"))


def assert_unavailable(response):
    assert response.status_code == 503, response.json
    assert response.mimetype == "application/problem+json"
    assert response.json["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"


def test_a_request_that_finds_every_connection_of_the_pool_busy_answers_503(app_config, request):
    app_config.update(DB_POOL_SIZE=1, DB_POOL_TIMEOUT_SECONDS=1)
    app = request.getfixturevalue("app")
    make, auth_headers = request.getfixturevalue("make"), request.getfixturevalue("auth_headers")
    headers = auth_headers(make(UserFactory))
    client = app.test_client()
    engine = app.extensions["fairfield.db"].engine
    with contextlib.ExitStack() as held:
        while True:  # every connection the pool may give, overflow included
            try:
                held.enter_context(engine.connect())
            except PoolTimeout:
                break
        assert_unavailable(client.get("/api/v1/me", headers=headers))
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_an_upload_to_a_bucket_that_cannot_be_reached_answers_503_and_keeps_nothing(
    app_config, request, monkeypatch
):
    for name, value in (("AWS_ACCESS_KEY_ID", "t"), ("AWS_SECRET_ACCESS_KEY", "t")):
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    app_config.update(PHOTO_STORE="s3", S3_BUCKET="away", S3_ENDPOINT_URL=closed)
    client, db, claim = (request.getfixturevalue(name) for name in ("client", "db", "claim"))
    refused = submit(client, claim(), [jpeg(shelf(seed=5))], key="bucket-away")
    assert_unavailable(refused)
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0
        assert session.scalar(select(func.count()).select_from(Photo)) == 0


def test_a_bucket_s_own_answers_name_a_full_store_and_a_slow_down():
    from botocore.exceptions import ClientError

    def answered(status, code):
        meta = {"HTTPStatusCode": status}
        return ClientError({"Error": {"Code": code}, "ResponseMetadata": meta}, "PutObject")

    assert storage_full(answered(507, "XMinioStorageFull"))
    assert not service_unavailable(answered(507, "XMinioStorageFull"))
    assert service_unavailable(answered(503, "SlowDown"))
    assert not storage_full(answered(503, "SlowDown"))
    assert not service_unavailable(answered(403, "AccessDenied"))
    assert not storage_full(answered(404, "NoSuchKey"))
