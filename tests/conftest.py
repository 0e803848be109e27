"""Fixtures: the app on SQLite and on PostgreSQL, a real Redis, factories, auth helpers.

Every test runs against both databases. Tests commit for real (after-commit hooks and the
outbox are part of what we test), so isolation comes from emptying every table afterwards
rather than from a rolled-back outer transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from apiflask import APIFlask
from flask.testing import FlaskClient

from backend import create_app, migrate
from backend.db import Database
from tests.support import factories
from tests.support.services import (
    pgbouncer_server,
    postgres_server,
    redis_server,
    s3_client,
    s3_server,
)
from tests.support.stores import BucketFollowingClient
from tests.support.tables import empty_tables

# Fixtures every folder may ask for by name; helpers are imported from tests.support.
pytest_plugins = ["tests.support.fixtures"]

FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--photo-store",
        choices=["local", "s3"],
        default="local",
        help="s3: the apps keep photos in a bucket of the test S3 server, on PostgreSQL only "
        "(CI runs the photo-touching tests so, once more: see .ci/run)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --photo-store=s3 only the PostgreSQL runs are kept (not SQLite, not PgBouncer's
    repeats): several nodes mean PostgreSQL, and the store is what this run is about."""
    if config.getoption("--photo-store") != "s3":
        return
    kept, dropped = [], []
    for item in items:
        params = getattr(item, "callspec", None)
        elsewhere = params is not None and params.params.get("database_url") not in {
            None,
            "postgresql",
        }
        (dropped if elsewhere else kept).append(item)
        if marker := item.get_closest_marker("local_store"):
            item.add_marker(pytest.mark.skip(reason=f"local store only: {marker.args[0]}"))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API server (moto) for the run; its endpoint URL."""
    with s3_server() as url:
        yield url


def _new_bucket(endpoint: str) -> str:
    import uuid

    name = f"fairfield-test-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="session")
def s3_bucket(s3_endpoint: str) -> str:
    """A bucket made for this test run on that server."""
    return _new_bucket(s3_endpoint)


@pytest.fixture
def s3_settings(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The settings that put an app's photos in a bucket of its own, made for the test
    (credentials as AWS_*)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    bucket = _new_bucket(s3_endpoint)
    return {"PHOTO_STORE": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_endpoint}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


# Modules (or single tests) run a third time through PgBouncer in transaction pooling mode,
# besides those marked `pgbouncer`: the races, the money and the queue, where a prepared
# statement or a session setting left on a shared server connection would show. Real Celery
# workers, the outbox relay and a worker killed mid-validation go through it in the cluster
# tests (tests/integration/test_cluster.py), which run only there.
THROUGH_PGBOUNCER = (
    "tests/marketplace/test_claims.py",
    "tests/marketplace/test_idempotency.py",
    "tests/review/test_concurrency.py",
    "tests/review/test_decisions.py",
    "tests/review/test_queue.py",
    "tests/submissions/test_states.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pgbouncer: also run through PgBouncer (database_url)")
    config.addinivalue_line("markers", "gunicorn_workers(n): the gunicorn fixture's processes")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that needs a database runs on SQLite and PostgreSQL, and the marked or
    listed ones also through PgBouncer; a test's own parametrisation of database_url wins."""
    if "database_url" not in metafunc.fixturenames or any(
        "database_url" in mark.args[0] for mark in metafunc.definition.iter_markers("parametrize")
    ):
        return
    backends = ["sqlite", "postgresql"]
    path = metafunc.definition.path.relative_to(metafunc.config.rootpath).as_posix()
    test = f"{path}::{metafunc.definition.originalname}"
    if {path, test} & set(THROUGH_PGBOUNCER) or metafunc.definition.get_closest_marker("pgbouncer"):
        backends.append("pgbouncer")
    metafunc.parametrize("database_url", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def pgbouncer_url(postgres_url: str) -> Iterator[str]:
    """PgBouncer (transaction pooling) in front of the test PostgreSQL; its URL."""
    with pgbouncer_server(postgres_url) as url:
        yield url


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database, once per backend per run: "sqlite", "postgresql", or "pgbouncer"
    (the PostgreSQL database, reached through PgBouncer)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'fairfield.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url, pool_size=2, busy_timeout_ms=10_000)
    migrate.upgrade(database)
    database.engine.dispose()
    return request.getfixturevalue("pgbouncer_url") if request.param == "pgbouncer" else url


@pytest.fixture
def db_pooler(request: pytest.FixtureRequest) -> str:
    """FAIRFIELD_DB_POOLER for the test's database: "pgbouncer" when reached through it."""
    callspec = getattr(request.node, "callspec", None)
    through = callspec is not None and callspec.params.get("database_url") == "pgbouncer"
    return "pgbouncer" if through else "none"


@pytest.fixture
def app_config(
    database_url: str,
    db_pooler: str,
    redis_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> dict[str, Any]:
    """The settings a test app gets; tests may edit it before asking for `app`."""
    photos = {}
    if request.config.getoption("--photo-store") == "s3":
        photos = request.getfixturevalue("s3_settings")
    return {
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "DB_POOLER": db_pooler,
        "BROKER_URL": f"{redis_url}/1",
        "LOG_LEVEL": "WARNING",
        **FAST_HASHING,
        **photos,
    }


@pytest.fixture
def app(app_config: dict[str, Any], redis_url: str) -> Iterator[APIFlask]:
    redis.Redis.from_url(f"{redis_url}/1").flushdb()
    application = create_app(app_config)
    if app_config.get("PHOTO_STORE") == "s3":
        # Photo URLs answer 302 to the bucket: the tests' client follows them there.
        follower = type("Follower", (BucketFollowingClient,), {})
        follower.endpoint = app_config["S3_ENDPOINT_URL"]
        application.test_client_class = follower
    yield application
    database: Database = application.extensions["fairfield.db"]
    empty_tables(database)
    database.engine.dispose()


@pytest.fixture
def db(app: APIFlask) -> Database:
    database: Database = app.extensions["fairfield.db"]
    return database


@pytest.fixture
def client(app: APIFlask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make(app: APIFlask) -> Iterator[factories.Maker]:
    """Create rows with factories inside the app, committed: `make(UserFactory, role=...)`."""
    with app.app_context():
        maker = factories.Maker(app)
        yield maker
        # An idle-in-transaction session would block the TRUNCATE that empties the tables.
        maker.session.close()


@pytest.fixture
def auth_headers(app: APIFlask) -> Callable[..., dict[str, str]]:
    """Bearer headers for a user: a real token row, as POST /auth/token would make."""

    def headers(user: Any, **token_kwargs: Any) -> dict[str, str]:
        with app.app_context():
            raw = factories.token_for(app, user, **token_kwargs)
        return {"Authorization": f"Bearer {raw}"}

    return headers


@pytest.fixture
def backend_name(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture
def gunicorn(
    app_config: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The API under gunicorn on the test's database; its base URL. Two worker processes, one
    per core, as `make run` starts it; a race test asks for more with
    `@pytest.mark.gunicorn_workers(4)`, so that requests truly overlap. (Each process imports
    the app on its own: four cost a browser test about 5 CPU seconds more than two.)"""
    from tests.support.load import gunicorn as serve

    marker = request.node.get_closest_marker("gunicorn_workers")
    log = tmp_path / "gunicorn.log"
    with serve(app_config, log, workers=marker.args[0] if marker else 2) as url:
        yield url
    assert "database is locked" not in log.read_text()
