"""Mission.status, the one owner: which moves are allowed, and the only writes of it.

Every move is one conditional UPDATE (`... WHERE id = :id AND status IN (:froms)`): of two
racing writers exactly one matches (PostgreSQL re-checks the row once the first commits;
SQLite runs writers one by one), and the loser learns it from the count, never from a read
made before. A move the table below does not list is a programming error, refused before
the database is touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Update, insert, update
from sqlalchemy.orm import Session

from backend.missions.models import MISSION_STATUSES, Mission

# (from, to), each with who makes the move.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("draft", "open"),  # the campaign is published (or a store added to a published one)
        ("draft", "cancelled"),  # the campaign is cancelled
        ("open", "cancelled"),
        ("open", "claimed"),  # a worker claims it
        ("claimed", "open"),  # the claim is released, expires, or its upload is abandoned
        ("claimed", "submitted"),  # the worker's evidence is whole
        ("submitted", "completed"),  # an approval (submissions.settlement)
        ("submitted", "store_closed"),  # an approval of a store found closed
        ("submitted", "open"),  # a rejection, while the campaign runs
        ("submitted", "expired"),  # a rejection, once the campaign no longer runs
        ("store_closed", "open"),  # the brand re-opens a closed store (campaigns.closures)
    }
)
# What a new mission may start as: a draft's, or one added to a published campaign.
INITIAL: frozenset[str] = frozenset({"draft", "open"})


def froms_of(to: str) -> tuple[str, ...]:
    """Every status a mission may move to `to` from, in MISSION_STATUSES order."""
    return tuple(s for s in MISSION_STATUSES if (s, to) in TRANSITIONS)


def _checked(to: str, froms: Iterable[str] | None) -> tuple[str, ...]:
    chosen = froms_of(to) if froms is None else tuple(froms)
    refused = [s for s in chosen if (s, to) not in TRANSITIONS]
    if refused or not chosen:
        raise ValueError(f"a mission does not move from {refused or chosen} to {to!r}")
    return chosen


def _in(froms: tuple[str, ...]) -> ColumnElement[bool]:
    # One status as `=`: the claim's statement stays the one it always was.
    return Mission.status == froms[0] if len(froms) == 1 else Mission.status.in_(froms)


def statement(
    *,
    to: str,
    froms: Iterable[str] | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    values: Mapping[str, Any] | None = None,
) -> Update:
    """The UPDATE moving the missions `where` selects from `froms` (default: every status
    allowed) to `to`, setting `values` beside; for a caller that needs RETURNING or runs it
    many times (the claim). `move` and `move_all` run it for everyone else."""
    chosen = _checked(to, froms)
    if values and "status" in values:
        raise ValueError("the status is `to`, not one of `values`")
    return (
        update(Mission)
        .where(*where, _in(chosen))
        .values(status=to, **(values or {}))
        .execution_options(synchronize_session=False)
    )


def move(
    db_session: Session,
    *,
    mission_id: str,
    to: str,
    froms: Iterable[str] | None = None,
    where: Sequence[ColumnElement[bool]] = (),
    values: Mapping[str, Any] | None = None,
) -> bool:
    """Move one mission to `to` if it is in one of `froms` and matches `where`; whether it
    moved (False: another writer moved it first, and nothing was written)."""
    stmt = statement(to=to, froms=froms, where=[Mission.id == mission_id, *where], values=values)
    return bool(db_session.execute(stmt).rowcount == 1)  # type: ignore[attr-defined]


def move_all(
    db_session: Session,
    *,
    where: Sequence[ColumnElement[bool]],
    to: str,
    froms: Iterable[str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> int:
    """Move every mission `where` selects that is in one of `froms` to `to`; how many."""
    if not where:
        raise ValueError("moving every mission at once is never meant")
    stmt = statement(to=to, froms=froms, where=where, values=values)
    return int(db_session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def insert_new(db_session: Session, *, rows: Sequence[Mapping[str, Any]], status: str) -> None:
    """Insert missions (rows of columns, no status) in bulk, each starting as `status`."""
    if status not in INITIAL:
        raise ValueError(f"a new mission does not start as {status!r}")
    if any("status" in row for row in rows):
        raise ValueError("the status is `status`, not a column of `rows`")
    if rows:
        db_session.connection().execute(
            insert(Mission), [{**row, "status": status} for row in rows]
        )
