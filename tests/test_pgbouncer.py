"""Through PgBouncer in transaction pooling mode: each transaction may run on another server
connection, so nothing may be left on one (a prepared statement, a session setting)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from backend.db import make_engine, one_snapshot
from backend.reconciliation.ledger import CHECKS, aside, run_checks


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


@pytest.mark.parametrize("database_url", ["pgbouncer"], indirect=True)
def test_the_ledger_check_runs_its_longest_invariants_beside_itself_through_the_pooler(
    db, monkeypatch
):
    """The runs beside the check take its exported snapshot in transactions of their own,
    which PgBouncer's transaction pooling may put on other server connections: each takes
    the snapshot as its first statement, and their findings come back to the check's turn
    (an error there, such as a snapshot not found, would be raised by the check)."""
    started: list[Any] = []
    begin = aside._begin

    def counted(run: Any) -> None:
        started.append(run)
        begin(run)

    monkeypatch.setattr(aside, "_begin", counted)
    with db.transaction(write=False) as session:
        one_snapshot(session)
        findings = dict(run_checks(db_session=session))
    assert len(started) == 2
    assert findings == {name: [] for name, _check in CHECKS}
