"""What the API (and the late-payout report) shows of payouts: requests and batches. Reads only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, not_, select, true, tuple_
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import not_found
from backend.pagination import decode_cursor, encode_cursor, page, paginate
from backend.payouts import rules, service
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.payouts.presenters import batch_out, payout_request_out

_NEWEST_FIRST = (PayoutRequest.requested_at.desc(), PayoutRequest.id.desc())
_OLDEST_FIRST = (PayoutRequest.requested_at, PayoutRequest.id)


def payout_request(*, db_session: Session, user: User, request_id: str) -> PayoutRequest:
    """One payout request, for its worker or an admin; anyone else gets the one 404."""
    payout = db_session.scalar(
        select(PayoutRequest).where(PayoutRequest.id == request_id, _visible_to(user))
    )
    if payout is None:
        raise not_found("payout request")
    return payout


def _visible_to(user: User) -> ColumnElement[bool]:
    if user.role == "admin":
        return true()
    if user.role == "worker":
        return PayoutRequest.worker_id == user.id
    return false()


def payout_requests_page(
    *,
    db_session: Session,
    user: User,
    limit: int,
    cursor: str | None,
    now: datetime,
    sla_days: int,
    status: str | None = None,
    late: bool | None = None,
) -> dict[str, Any]:
    """Payout requests the user may see, newest first; `late` keeps only (or no) late ones."""
    stmt = select(PayoutRequest).where(_visible_to(user))
    if status is not None:
        stmt = stmt.where(PayoutRequest.status == status)
    if late is not None:
        is_late = _late(now=now, sla_days=sla_days)
        stmt = stmt.where(is_late if late else not_(is_late))
    if cursor:
        at, request_id = decode_cursor(cursor)
        stmt = stmt.where(
            tuple_(PayoutRequest.requested_at, PayoutRequest.id) < tuple_(at, request_id)
        )
    rows = db_session.scalars(stmt.order_by(*_NEWEST_FIRST).limit(limit + 1)).all()
    items = rows[:limit]
    more = len(rows) > limit
    return {
        "items": [payout_request_out(r, now=now, sla_days=sla_days) for r in items],
        "next_cursor": encode_cursor(items[-1].requested_at, items[-1].id) if more else None,
    }


def _late(*, now: datetime, sla_days: int) -> ColumnElement[bool]:
    return and_(
        PayoutRequest.status.in_(rules.UNPAID),
        PayoutRequest.requested_at < rules.late_cutoff(now=now, sla_days=sla_days),
    )


def late_requests(*, db_session: Session, now: datetime, sla_days: int) -> list[PayoutRequest]:
    """Requests not yet paid and older than the SLA, oldest first (for reports and alerts)."""
    stmt = select(PayoutRequest).where(_late(now=now, sla_days=sla_days))
    return list(db_session.scalars(stmt.order_by(*_OLDEST_FIRST)))


def batches_page(*, db_session: Session, limit: int, cursor: str | None) -> dict[str, Any]:
    """Batches, newest first, a page at a time."""
    stmt: Select[Any] = select(PayoutBatch)
    found = page(
        db_session.scalars(paginate(stmt, PayoutBatch, limit=limit, cursor=cursor)).all(),
        limit=limit,
    )
    found["items"] = [batch_out(batch) for batch in found["items"]]
    return found


def batch_detail(
    *, db_session: Session, batch_id: str, now: datetime, sla_days: int
) -> dict[str, Any]:
    """A batch with its requests, as the API shows it."""
    batch = service.get_batch(db_session=db_session, batch_id=batch_id)
    requests = service.batch_requests(db_session=db_session, batch_id=batch_id)
    return {
        **batch_out(batch),
        "requests": [payout_request_out(r, now=now, sla_days=sla_days) for r in requests],
    }
