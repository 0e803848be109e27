"""What the API shows of review: the queue's cursors and photos, appeals and their histories
(the queue itself is read in queue.py). Reads only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, tuple_
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import Invalid
from backend.pagination import decode_cursor, encode_cursor
from backend.review.models import Appeal
from backend.review.presenters import appeal_decision_out, appeal_out, appeal_people
from backend.submissions.models import Decision, Photo, Submission
from backend.submissions.queries import decision_history

# 0 sorts first: a submission a check doubted, then one its campaign routes to review.
_RANK = Submission.review_rank


def queue_cursor(rank: int, received_at: datetime, submission_id: str) -> str:
    """The cursor of the queue page after this item (its rank and place in line)."""
    return f"{rank}.{encode_cursor(received_at, submission_id)}"


def decode_queue_cursor(cursor: str) -> tuple[int, datetime, str]:
    """The rank and place in line a queue cursor stands for; 422 for one we never gave."""
    rank, _, rest = cursor.partition(".")
    if rank not in ("0", "1"):
        raise Invalid("The cursor is not one we gave out.", errors={"cursor": ["Invalid."]})
    received_at, submission_id = decode_cursor(rest)
    return int(rank), received_at, submission_id


def photos_of(
    db_session: Session, submission_ids: Sequence[str]
) -> dict[str, list[Row[str, str, int]]]:
    """Each submission's photos in order, what the queue shows of them (id, position): one
    query, read as plain rows (as ORM objects they took a fifth of a page of fifty)."""
    found: dict[str, list[Row[str, str, int]]] = {}
    if not submission_ids:
        return found
    for photo in db_session.execute(_photos_statement(), {"ids": list(submission_ids)}):
        found.setdefault(photo.submission_id, []).append(photo)
    return found


@cache
def _photos_statement() -> Select[str, str, int]:
    # Built once, the submissions bound per call (`expanding`: one parameter per id).
    return (
        select(Photo.id, Photo.submission_id, Photo.position)
        .where(Photo.submission_id.in_(bindparam("ids", expanding=True)))
        .order_by(Photo.submission_id, Photo.position)
    )


def appeals_page(
    *, db_session: Session, status: str, limit: int, cursor: str | None, sla_hours: float
) -> dict[str, Any]:
    """Appeals in one status, the longest waiting first."""
    stmt = (
        select(Appeal, Submission)
        .join(Submission, Submission.id == Appeal.submission_id)
        .where(Appeal.status == status)
    )
    if cursor:
        created_at, appeal_id = decode_cursor(cursor)
        stmt = stmt.where(tuple_(Appeal.created_at, Appeal.id) > tuple_(created_at, appeal_id))
    rows = db_session.execute(stmt.order_by(Appeal.created_at, Appeal.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].Appeal if rows else None
    history = _histories(db_session, [row.Submission.id for row in rows])
    names = display_names(
        db_session,
        {p for row in rows for p in appeal_people(row.Appeal, history.get(row.Submission.id, []))},
    )
    return {
        "items": [
            appeal_out(row.Appeal, history.get(row.Submission.id, []), sla_hours, names)
            for row in rows
        ],
        "next_cursor": encode_cursor(last.created_at, last.id) if more and last else None,
    }


def display_names(db_session: Session, user_ids: set[str]) -> dict[str, str]:
    """Each user's display name by id. One query."""
    if not user_ids:
        return {}
    rows = db_session.execute(
        select(User.id, User.display_name).where(User.id.in_(sorted(user_ids)))
    )
    return {str(r[0]): str(r[1]) for r in rows}


def _histories(db_session: Session, submission_ids: list[str]) -> dict[str, list[Decision]]:
    """Each submission's decisions, oldest first: one query."""
    found: dict[str, list[Decision]] = {}
    for decision in decision_history(db_session, submission_ids):
        found.setdefault(decision.submission_id, []).append(decision)
    return found


def decided_appeal(
    db_session: Session, appeal: Appeal, submission: Submission, sla_hours: float
) -> dict[str, Any]:
    """A decided appeal as the API shows it, with its submission's decisions and the admins
    named."""
    history = decision_history(db_session, [appeal.submission_id])
    names = display_names(db_session, appeal_people(appeal, history))
    return appeal_decision_out(appeal, submission, history, sla_hours, names)
