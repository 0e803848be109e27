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
from tests.support.services import pgbouncer_server, postgres_server, redis_server
from tests.support.tables import empty_tables

# Fixtures every folder may ask for by name; helpers are imported from tests.support.
pytest_plugins = ["tests.support.fixtures"]

FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 8}


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


# Modules (or single tests) run a third time through PgBouncer in transaction pooling mode,
# besides those marked `pgbouncer`: the races, the money and the worker, where a prepared
# statement or a session setting left on a shared server connection would show.
THROUGH_PGBOUNCER = (
    "tests/marketplace/test_claims.py",
    "tests/marketplace/test_idempotency.py",
    "tests/review/test_concurrency.py",
    "tests/review/test_decisions.py",
    "tests/review/test_queue.py",
    "tests/submissions/test_states.py",
    "tests/submissions/test_pipeline.py::test_a_real_worker_decides_each_acceptance_case",
    "tests/submissions/test_pipeline.py::"
    "test_sigkill_during_validation_then_every_submission_is_decided_once",
    "tests/integration/test_worker.py",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pgbouncer: also run through PgBouncer (database_url)")


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
def app_config(database_url: str, db_pooler: str, redis_url: str, tmp_path: Path) -> dict[str, Any]:
    """The settings a test app gets; tests may edit it before asking for `app`."""
    return {
        "VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "DB_POOLER": db_pooler,
        "BROKER_URL": f"{redis_url}/1",
        "LOG_LEVEL": "WARNING",
        **FAST_HASHING,
    }


@pytest.fixture
def app(app_config: dict[str, Any], redis_url: str) -> Iterator[APIFlask]:
    redis.Redis.from_url(f"{redis_url}/1").flushdb()
    application = create_app(app_config)
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
def gunicorn(app_config: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """The API under gunicorn (4 worker processes) on the test's database; its base URL."""
    from tests.support.load import gunicorn as serve

    log = tmp_path / "gunicorn.log"
    with serve(app_config, log) as url:
        yield url
    assert "database is locked" not in log.read_text()
