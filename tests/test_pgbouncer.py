"""Through PgBouncer in transaction pooling mode: each transaction may run on another server
connection, so nothing may be left on one (a prepared statement, a session setting)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.exc import DBAPIError

from backend.accounts.models import Brand
from backend.db import make_engine
from backend.review.queue import QueueFilter, queue_counts

THROUGH_PGBOUNCER = pytest.mark.parametrize("database_url", ["pgbouncer"], indirect=True)


def one_server_connection(pgbouncer_url: str) -> str:
    """PgBouncer's database `single`: every client's transaction on one server connection."""
    return make_url(pgbouncer_url).set(database="single").render_as_string(hide_password=False)


def two_clients_repeat_a_statement(url: str, pooler: str) -> None:
    """Two clients each run the same statement in transactions of their own, often enough
    for psycopg to prepare it (five times by default)."""
    engines = [make_engine(url, pool_size=1, pooler=pooler) for _ in range(2)]
    try:
        for _ in range(3):
            for n, engine in enumerate(engines):
                with engine.begin() as conn:
                    for _ in range(8):
                        assert conn.execute(text("SELECT :n + 1"), {"n": n}).scalar() == n + 1
    finally:
        for engine in engines:
            engine.dispose()


def test_with_the_pooler_set_statements_repeat_across_server_connections(pgbouncer_url):
    two_clients_repeat_a_statement(one_server_connection(pgbouncer_url), "pgbouncer")


def test_without_it_prepared_statements_break_under_transaction_pooling(pgbouncer_url):
    # What FAIRFIELD_DB_POOLER=pgbouncer is for: psycopg's default prepares the statement on
    # the server connection, which the other client then shares.
    with pytest.raises(DBAPIError, match="prepared statement"):
        two_clients_repeat_a_statement(one_server_connection(pgbouncer_url), "none")


@THROUGH_PGBOUNCER
def test_the_queue_counts_leave_no_setting_on_a_shared_server_connection(app, db, pgbouncer_url):
    """A read request runs in autocommit: a plain SET would stay on the server connection,
    where the next client's transaction finds it, while the request still runs."""
    seen: list[str] = []
    other = psycopg.connect(
        make_url(pgbouncer_url).set(drivername="postgresql").render_as_string(), autocommit=True
    )

    def look(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "GROUP BY" in statement:
            row = other.execute("SHOW max_parallel_workers_per_gather").fetchone()
            assert row is not None
            seen.append(row[0])

    event.listen(db.engine, "before_cursor_execute", look)
    try:
        with app.app_context(), db.session(write=False) as session:
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            assert queue_counts(session, QueueFilter())["total"] == 0
            with session.get_bind().connect() as conn:
                default = conn.execute(text("SHOW max_parallel_workers_per_gather")).scalar()
    finally:
        event.remove(db.engine, "before_cursor_execute", look)
        other.close()
    assert seen == [default]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_queue_counts_in_a_write_transaction_undo_nothing_of_it(app, db):
    """The setting's savepoint is rolled back: what the caller had pending stays written."""
    with app.app_context(), db.transaction() as session:
        brand = Brand(name="Pending before the counts")
        session.add(brand)
        assert queue_counts(session, QueueFilter())["total"] == 0
    with db.transaction(write=False) as session:
        assert session.get(Brand, brand.id) is not None
