"""Enqueue tasks inside a transaction; relay them after it commits; sweep what a crash left."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import Celery
from flask import current_app, has_app_context
from sqlalchemy import bindparam, event, insert, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from backend.db import autocommit_connection, get_db
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.observe.propagation import capture
from backend.outbox.models import OutboxMessage
from backend.settings import current_settings

log = logging.getLogger(__name__)

PENDING_KEY = "fairfield.outbox_pending"
SAVEPOINT_KEY = "fairfield.outbox_savepoint"
# A message never sent is normally relayed within milliseconds of its commit; after this long
# the relay must have died with its process.
UNSENT_GRACE = timedelta(seconds=5)


def enqueue(*, db_session: Session, task_name: str, args: Sequence[Any] = ()) -> OutboxMessage:
    """Record a task to run once this transaction commits; nothing is sent before then.

    The row keeps this request's id and trace context: the task logs under that id and
    joins that trace, whether the relay sends it now or the sweeper an hour later."""
    message = OutboxMessage(
        id=new_id(),
        task_name=task_name,
        args=list(args),
        created_at=utcnow(),
        attempts=0,
        last_sent_at=None,
        done_at=None,
        trace_context=capture(),
    )
    # Inserted past the ORM (the row is the relay's and the consumer's, never this
    # session's): a unit of work cost more than the insert. The message returned is a copy.
    db_session.connection().execute(
        _INSERT, {column: getattr(message, column) for column in _COLUMNS}
    )
    pending = _Pending(message.id, task_name, message.args, message.trace_context)
    db_session.info.setdefault(PENDING_KEY, []).append(pending)
    return message


_INSERT = insert(OutboxMessage)
_COLUMNS = [column.key for column in OutboxMessage.__table__.columns]


@dataclass(frozen=True)
class _Pending:
    """What the relay sends of a message this transaction wrote: its row, as written."""

    id: str
    task_name: str
    args: list[Any]
    trace_context: dict[str, str] | None


@event.listens_for(Session, "after_transaction_create")
def _note_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # A savepoint rolled back may have taken some of the pending rows with it: the relay
    # then reads back which rows the commit kept rather than send what it remembers.
    if transaction.nested:
        session.info[SAVEPOINT_KEY] = True


@event.listens_for(Session, "after_commit")
def _relay_after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    savepoint = session.info.pop(SAVEPOINT_KEY, False)
    if not pending or not has_app_context():
        return
    if not current_settings().outbox_relay_on_commit:
        return
    try:
        if savepoint:
            relay(message_ids=[message.id for message in pending])
        else:
            _send(pending)
    except Exception:
        # The rows are committed; the sweeper will send them. The request still succeeds.
        ids = [message.id for message in pending]
        log.exception("outbox relay failed; the sweeper will resend", extra={"ids": ids})


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction only (after a commit, the relay took what was pending): a
    # savepoint rolled back leaves the rest of the transaction's messages to send.
    if transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
        session.info.pop(SAVEPOINT_KEY, None)


def _celery() -> Celery:
    app: Celery = current_app.extensions["celery"]
    return app


def _publish(messages: Sequence[OutboxMessage | _Pending]) -> list[str]:
    celery = _celery()
    sent = []
    for message in messages:
        celery.send_task(
            message.task_name,
            args=message.args,
            task_id=message.id,
            headers=dict(message.trace_context or {}),
        )
        sent.append(message.id)
    return sent


def _mark_sent(ids: Sequence[str], now: datetime) -> None:
    """Record that these went, in a statement of its own: one UPDATE is its own transaction,
    with no BEGIN and COMMIT to send, nor a session to make (they cost a relay after
    every commit more than the UPDATE)."""
    if not ids:
        return
    with autocommit_connection() as connection:
        connection.execute(_MARK_SENT, {"ids": list(ids), "now": now})
        connection.commit()  # nothing to commit in autocommit; says the work is done


_MARK_SENT = (
    update(OutboxMessage)
    .where(OutboxMessage.id.in_(bindparam("ids", expanding=True)))
    .values(last_sent_at=bindparam("now"), attempts=OutboxMessage.attempts + 1)
)


def relay(*, message_ids: Sequence[str]) -> int:
    """Send these committed messages to the broker and record that they went."""
    with get_db().transaction(write=False) as session:
        messages = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.id.in_(message_ids), OutboxMessage.done_at.is_(None)
            )
        ).all()
    return _send(messages)


def _send(messages: Sequence[OutboxMessage | _Pending]) -> int:
    """Publish, then record that they went (never while holding the write lock)."""
    sent = _publish(messages)
    _mark_sent(sent, utcnow())
    return len(sent)


def sweep(*, resend_after: timedelta, limit: int = 500) -> int:
    """Resend messages never sent, or sent long ago and still not done; returns how many.

    Read, published, then recorded, as `relay` does: the broker is never called while the
    write lock (SQLite) is held, whatever it takes to answer.
    """
    now = utcnow()
    with get_db().transaction(write=False) as session:
        due = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.done_at.is_(None),
                or_(
                    (OutboxMessage.last_sent_at.is_(None))
                    & (OutboxMessage.created_at <= now - UNSENT_GRACE),
                    OutboxMessage.last_sent_at <= now - resend_after,
                ),
            )
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        ).all()
    sent = relay(message_ids=due) if due else 0
    if sent:
        log.warning("outbox sweeper resent messages", extra={"count": sent})
    return sent


def consume_once(*, db_session: Session, message_id: str | None) -> bool:
    """Close an outbox message inside the consumer's transaction; False if already done.

    Called first in a task's transaction, so the message is marked done together with the
    task's effect: a redelivered or resent copy then finds it done and does nothing.
    """
    if not message_id:
        return True
    stmt = select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    message = db_session.scalar(stmt)
    if message is None:
        return True  # sent directly (beat, a shell), not through the outbox
    if message.done_at is not None:
        return False
    message.done_at = utcnow()
    db_session.flush()
    return True
