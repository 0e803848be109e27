"""SQLAlchemy 2.0 plumbing: typed Base, engine, sessions and the one commit boundary."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Connection, DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from backend.settings import settings_of

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset, so we store UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every model; constraint names are stable for migrations."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, str: String()}


def make_engine(
    url: str,
    *,
    pool_size: int = 5,
    pool_timeout_s: float = 30,
    busy_timeout_ms: int = 10_000,
    mmap_mb: int = 256,
    pooler: str = "none",
) -> Engine:
    """An engine tuned per backend: SQLite in WAL with a busy timeout, PostgreSQL pooled
    (behind PgBouncer's transaction pooling when `pooler` is "pgbouncer"). A caller that
    waits `pool_timeout_s` for a connection of the pool gets sqlalchemy's TimeoutError (a
    request answers 503)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            pool_size=pool_size,
            pool_timeout=pool_timeout_s,
            hide_parameters=True,  # an error's text would otherwise carry addresses and names
            connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
        )
        _sqlite_pragmas(engine, busy_timeout_ms, mmap_mb)
    else:
        engine = create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=pool_timeout_s,
            hide_parameters=True,
            connect_args=_pooler_args(pooler),
        )
        _ping_idle_connections(engine)
    # gunicorn and Celery's prefork pool fork after the app exists: a child must never reuse
    # its parent's connections, so it starts with an empty pool of its own.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return engine


def _pooler_args(pooler: str) -> dict[str, Any]:
    if pooler == "pgbouncer":
        # psycopg prepares a statement on the server once it ran five times; under
        # transaction pooling the next transaction may get another server connection, where
        # that statement does not exist (PgBouncer 1.18 does not track them). Nothing else
        # changes: Fairfield keeps no session state (no session SET, advisory locks only
        # transaction-scoped, no LISTEN, no temporary table, no cursor held across commits).
        return {"prepare_threshold": None}
    return {}


# A connection used within this many seconds is known to be alive and is not pinged again.
PING_IDLE_SECONDS = 10.0


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle: a server restart or a
    dropped connection is caught before a request fails, without a round trip per request
    (pool_pre_ping's ping cost a quarter of the claim throughput on PostgreSQL)."""

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_conn: Any, record: Any) -> None:
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["last_used"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("last_used", 0.0) < PING_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # any failure: the pool replaces this connection and retries
            raise DisconnectionError("idle connection failed its ping") from exc


def _sqlite_pragmas(engine: Engine, busy_timeout_ms: int, mmap_mb: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so we can say BEGIN IMMEDIATE ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Reads straight from the page cache instead of a read() per page: the nearby search
        # touches a few dozen scattered rows, and this halves its time on a cold cache.
        cur.execute(f"PRAGMA mmap_size={int(mmap_mb) * 1024 * 1024}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read that later writes must hold the write lock from the start, or SQLite
        # answers SQLITE_BUSY at the upgrade without waiting for the busy timeout.
        options = conn.get_execution_options()
        if options.get("sqlite_autocommit", False):
            # Each statement its own read transaction: no BEGIN and no COMMIT to run.
            return
        conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("sqlite_immediate") else "BEGIN")


class Database:
    """The engine and session factory of one app."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int,
        busy_timeout_ms: int,
        mmap_mb: int = 256,
        pooler: str = "none",
        pool_timeout_s: float = 30,
    ) -> None:
        self.url = url
        self.engine = make_engine(
            url,
            pool_size=pool_size,
            pool_timeout_s=pool_timeout_s,
            busy_timeout_ms=busy_timeout_ms,
            mmap_mb=mmap_mb,
            pooler=pooler,
        )
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        # Sessions bound here begin with BEGIN IMMEDIATE, at their first statement.
        self._writer = self.engine.execution_options(sqlite_immediate=True)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, write: bool) -> Session:
        """A new session; on SQLite a write session takes the write lock at its first
        statement, and holds it to the end of its transaction.

        Not before: whatever the caller does ahead of its first statement (hashing a
        password, storing photos, calling the network) holds no lock, and every other writer
        waits only for statements. So do slow work first, or read what it needs apart
        (`read_snapshot`), then write; never the slow work between statements.
        """
        if write and self.is_sqlite:
            return self.session_factory(bind=self._writer)
        return self.session_factory()

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work outside a request (tasks, CLI): commit on success, else roll back."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def init_db(app: Flask) -> Database:
    settings = settings_of(app)
    database = Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        pool_timeout_s=settings.db_pool_timeout_seconds,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        mmap_mb=settings.sqlite_mmap_mb,
        pooler=settings.db_pooler,
    )
    app.extensions["fairfield.db"] = database
    app.teardown_request(_close_request_session)
    return database


def get_db() -> Database:
    db: Database = current_app.extensions["fairfield.db"]
    return db


def request_session() -> Session:
    """The session of the current request; views commit it once, in `commit_request`."""
    if "db_session" not in g:
        write = has_request_context() and request.method in WRITE_METHODS
        database = get_db()
        g.db_session = database.session(write=write)
        if not write:
            # A read-only request reads each statement in its own snapshot: on PostgreSQL,
            # BEGIN and ROLLBACK were two of the six round trips of GET /missions/nearby; on
            # SQLite, BEGIN and COMMIT cost SQLAlchemy as much Python as a small query.
            g.db_session.connection(execution_options=_AUTOCOMMIT[database.is_sqlite])
        g.db_autocommit = not write
    session: Session = g.db_session
    return session


_AUTOCOMMIT: dict[bool, dict[str, Any]] = {
    True: {"sqlite_autocommit": True},
    False: {"isolation_level": "AUTOCOMMIT"},
}


def autocommit_read(statement: Any, params: dict[str, Any]) -> Any:
    """The first row of one read statement, on a connection of its own outside any
    transaction (on SQLite no BEGIN and no lock: the statement is its own snapshot); None if
    it finds none. For a write request's reads that must not wait for, or hold, its lock."""
    connection = g.get("db_apart")
    if connection is None:
        # One connection for all of the request's reads apart (its token, its
        # Idempotency-Key before and after the view), kept to its end: in autocommit it
        # holds no snapshot and no lock while it waits.
        connection = g.db_apart = autocommit_connection()
    return connection.execute(statement, params).first()


def autocommit_connection() -> Connection:
    """A connection of its own on which each statement is its own transaction: on SQLite
    no BEGIN (a write takes the lock for itself alone, a read is its own snapshot), on
    PostgreSQL the driver's autocommit. The caller closes it."""
    database = get_db()
    connection = database.engine.connect()
    connection.execution_options(**_AUTOCOMMIT[database.is_sqlite])
    return connection


@contextmanager
def read_snapshot() -> Iterator[Session]:
    """A short read-only transaction apart from the request's own: what a write request must
    read before slow work (the password hash a login verifies) is read here, without the
    write lock. A write that depends on it checks, under the lock, that it is unchanged."""
    with get_db().transaction(write=False) as session:
        yield session


def one_snapshot(db_session: Session) -> None:
    """Make every later statement of this read transaction see one snapshot of the data."""
    # A check reading many tables must see them at one moment, or a post landing between
    # two queries shows as a discrepancy. SQLite's read transaction already is one
    # snapshot; PostgreSQL's default isolation takes a new one per statement.
    if db_session.get_bind().dialect.name == "postgresql":
        db_session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def driver_cursor(db_session: Session) -> Any:
    """A cursor on the session's own DBAPI connection, inside the session's transaction.

    For the few hottest reads (the nearby search), where SQLAlchemy's statement and result
    machinery cost as much as the query itself. Everything else goes through the session.
    """
    return db_session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]


def commit_request() -> None:
    """The request's single commit boundary; tasks queued in the outbox go out after it."""
    session: Session | None = g.get("db_session")
    if session is None:
        return
    if g.get("db_autocommit") and not (session.new or session.dirty or session.deleted):
        return  # each statement of a read-only request committed on its own: nothing left
    session.commit()


def end_request_transaction() -> None:
    """Roll back and drop the request's session: a view that is about to read a long body
    (a resumable upload's chunk) then holds no lock and no connection while it waits. The
    next `request_session()` starts afresh."""
    _close_request_session(None)


def _close_request_session(_exc: BaseException | None) -> None:
    # Per request, not per app context: a test or CLI may hold one app context across
    # many requests, and a session must never outlive its request.
    session: Session | None = g.pop("db_session", None)
    g.pop("db_autocommit", None)
    apart: Connection | None = g.pop("db_apart", None)
    if apart is not None:
        apart.close()
    if session is not None:
        try:
            session.rollback()
        except Exception:
            # The connection died under the request (a database restart): its answer is
            # made already, and a rollback that fails must not turn it into a 500 here.
            # SQLAlchemy invalidates a connection it finds gone; the pool makes a new one.
            log.warning("the request's rollback failed", exc_info=True)
        finally:
            session.close()
