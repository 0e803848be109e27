"""On PostgreSQL, the longest checks on connections of their own, beside the others, in
the same snapshot.

The credits' check is the longest (2.6 of 5.5 s at a million entries) and runs on one core
(its grouped pass gains nothing from parallel workers); the other invariants ran after it on
the same connection while the machine's other core waited. `start` exports the check's
snapshot (`pg_export_snapshot`) and runs checks in a thread, on a connection of its own
whose REPEATABLE READ transaction takes that snapshot (`SET TRANSACTION SNAPSHOT`) before
anything else: they see exactly the rows the rest of the check sees, however many posts
land meanwhile. Each check's own turn (`or_here`) then takes its result, or its error, when
the thread has it; the findings, their order and each invariant's name stay as they were.

Only inside one snapshot: a READ COMMITTED caller (each statement its own snapshot) gets
every check run in its turn, on its own connection, as before; so does SQLite, and so does a
pool with no connection to spare.
"""

from __future__ import annotations

import enum
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from sqlalchemy import QueuePool, text
from sqlalchemy.orm import Session

Check = Callable[[Session], list[str]]

_KEPT = "fairfield.ledger_check.aside"
_RUNS = "fairfield.ledger_check.aside_runs"
_SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


class AsideSetup(enum.Enum):
    """Settings the second transaction takes as the first did (`prepare`)."""

    NO_JIT = "SET LOCAL jit = off"


def start(
    db_session: Session, checks: Sequence[Check], *, setup: tuple[AsideSetup, ...] = ()
) -> bool:
    """Run `checks`, one after the other, beside this transaction and in its snapshot, on
    a connection of their own; False (nothing started) unless this is PostgreSQL in
    REPEATABLE READ or SERIALIZABLE."""
    connection = db_session.connection()
    if connection.dialect.name != "postgresql" or not _room(db_session):
        return False
    isolation = db_session.execute(text("SHOW transaction_isolation")).scalar_one()
    if isolation not in ("repeatable read", "serializable"):
        return False
    snapshot = db_session.execute(text("SELECT pg_export_snapshot()")).scalar_one()
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    results: list[Future[list[str]]] = [Future() for _ in checks]
    engine = connection.engine

    def run() -> None:
        done = 0
        try:
            with engine.connect() as other:
                other = other.execution_options(isolation_level="REPEATABLE READ")
                with other.begin():
                    # First, before any other statement of this transaction.
                    other.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                    other.exec_driver_sql("SET TRANSACTION READ ONLY")
                    for setting in setup:
                        other.exec_driver_sql(setting.value)
                    with Session(bind=other) as beside:
                        for check, result in zip(checks, results, strict=True):
                            result.set_result(check(beside))
                            done += 1
        except BaseException as exc:  # handed to the checks' turns, raised there
            for result in results[done:]:
                if not result.done():
                    result.set_exception(exc)

    db_session.info[_RUNS] = (db_session.get_transaction(), _started(db_session) + 1)
    kept = db_session.info.setdefault(_KEPT, {})
    for check, result in zip(checks, results, strict=True):
        kept[check] = (db_session.get_transaction(), result)
    _begin(run)
    return True


def _room(db_session: Session) -> bool:
    """Whether the pool has a connection to spare now for one more run beside this
    transaction, besides those already started in it, without waiting for one: with the
    pool at its bounds (DB_POOL_SIZE 1), the check runs here as it did."""
    pool = db_session.connection().engine.pool
    if not isinstance(pool, QueuePool) or pool._max_overflow < 0:  # unbounded
        return True
    return pool.checkedout() + _started(db_session) < pool.size() + pool._max_overflow


def _started(db_session: Session) -> int:
    """How many runs `start` began beside this transaction."""
    runs = db_session.info.get(_RUNS)
    return int(runs[1]) if runs is not None and runs[0] is db_session.get_transaction() else 0


def _begin(run: Callable[[], None]) -> None:
    """Start `run` in a thread of its own (a test holds it back instead)."""
    threading.Thread(target=run, name="ledger-check-aside", daemon=True).start()


def or_here(check: Check) -> Check:
    """`check`, taking the result of its run beside this transaction if `start` began one
    in it; otherwise run here, now."""

    def in_turn(db_session: Session) -> list[str]:
        started = db_session.info.get(_KEPT, {}).pop(check, None)
        if started is not None and started[0] is db_session.get_transaction():
            return started[1].result()
        return check(db_session)

    in_turn.__name__ = in_turn.__qualname__ = check.__name__
    in_turn.__doc__ = check.__doc__
    return in_turn
