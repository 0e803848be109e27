"""Submission.status, the one owner: which moves are allowed, and the only writes of it.

Every move is one conditional UPDATE (`... WHERE id = :id AND status IN (:froms)`): of two
racing deciders exactly one matches (PostgreSQL re-checks the row once the first commits;
SQLite runs writers one by one), and the loser learns it from the count. A move the table
below does not list is a programming error, refused before the database is touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Update, bindparam, update
from sqlalchemy.orm import Session

from backend.submissions.models import SUBMISSION_STATUSES, Submission

# (from, to), each with who makes the move.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        ("uploading", "received"),  # its last photo arrived (uploads)
        ("uploading", "abandoned"),  # its uploads expired first
        ("received", "validating"),  # the machine takes it (validation), exactly once
        ("validating", "in_review"),  # the machine's decision
        ("validating", "approved"),
        ("validating", "rejected"),
        ("in_review", "approved"),  # a reviewer's decision, or the review deadline's
        ("in_review", "rejected"),
        ("rejected", "appealed"),  # the worker appeals
        ("appealed", "approved"),  # the appeal's decision, or its deadline's
        ("appealed", "rejected"),
    }
)
# What a new submission starts as: received whole, or declared with its photos to come.
INITIAL: frozenset[str] = frozenset({"uploading", "received"})


def froms_of(to: str) -> tuple[str, ...]:
    """Every status a submission may move to `to` from, in SUBMISSION_STATUSES order."""
    return tuple(s for s in SUBMISSION_STATUSES if (s, to) in TRANSITIONS)


def _checked(to: str, froms: Iterable[str] | None) -> tuple[str, ...]:
    chosen = froms_of(to) if froms is None else tuple(froms)
    refused = [s for s in chosen if (s, to) not in TRANSITIONS]
    if refused or not chosen:
        raise ValueError(f"a submission does not move from {refused or chosen} to {to!r}")
    return chosen


def statement(
    *, to: str, froms: Iterable[str] | None = None, values: Mapping[str, Any] | None = None
) -> Update:
    """The UPDATE moving the submission `:submission_id` from `froms` (default: every status
    allowed) to `to`, setting `values` beside; for a caller that builds it once (with bind
    parameters in `values`) and runs it with `moved()` many times (a decision's)."""
    chosen = _checked(to, froms)
    if values and "status" in values:
        raise ValueError("the status is `to`, not one of `values`")
    status = Submission.status
    return (
        update(Submission)
        .where(
            Submission.id == bindparam("submission_id"),
            status == chosen[0] if len(chosen) == 1 else status.in_(chosen),
        )
        .values(status=to, **(values or {}))
        .execution_options(synchronize_session=False)
    )


def moved(db_session: Session, move: Update, params: Mapping[str, Any]) -> bool:
    """Run a move `statement()` built; whether it moved (False: another writer moved it
    first, and nothing was written)."""
    result = db_session.execute(move, params)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def move(
    db_session: Session,
    *,
    submission_id: str,
    to: str,
    froms: Iterable[str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> bool:
    """Move one submission to `to` if it is in one of `froms` (default: every status
    allowed), setting `values` beside; whether it moved (False: another writer moved it
    first, and nothing was written)."""
    move = statement(to=to, froms=froms, values=values)
    return moved(db_session, move, {"submission_id": submission_id})


def new(*, status: str, **columns: Any) -> Submission:
    """A new submission (not yet added to the session), starting as `status`."""
    if status not in INITIAL:
        raise ValueError(f"a new submission does not start as {status!r}")
    return Submission(status=status, **columns)
