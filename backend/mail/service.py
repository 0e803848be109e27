"""Queue mail in the caller's transaction; the `mail.send` task composes and sends it after
the commit (through the outbox), once. Keyword-only; flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    case,
    delete,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import QueryableAttribute, Session

from backend.kernel.ids import new_id
from backend.mail.models import MailMessage
from backend.mail.templates import DEFAULT_LOCALE, LOCALES, TEMPLATES
from backend.outbox.tasks import enqueue

TASK = "mail.send"
# After this many failed attempts (the sweeper retries every few minutes) the mail is
# given up: a link in it would have expired long before.
MAX_ATTEMPTS = 12


def queue(
    *,
    db_session: Session,
    kind: str,
    to_address: str,
    locale: str,
    ref_id: str | None = None,
    message_id: str | None = None,
    facts: dict[str, Any] | None = None,
) -> MailMessage:
    """Record a mail to send once this transaction commits. A `message_id` given (a mail
    whose identity is the act it reports) is queued once: again, the mail queued first."""
    if kind not in TEMPLATES:
        raise ValueError(f"no mail template {kind!r}")
    values = {
        "kind": kind,
        "to_address": to_address,
        "locale": locale if locale in LOCALES else DEFAULT_LOCALE,
        "ref_id": ref_id,
        "facts": facts,
        "status": "queued",
        "attempts": 0,
    }
    if message_id is None:
        message = MailMessage(id=new_id(), **values)
        db_session.add(message)
        db_session.flush()
    else:
        # One statement, not a read and a write: the row unless the act's mail is kept.
        written = db_session.scalars(
            _upsert(db_session)
            .values(id=message_id, **values)
            .on_conflict_do_nothing(index_elements=[MailMessage.id])
            .returning(MailMessage),
            execution_options={"populate_existing": True},
        ).first()
        if written is None:  # the act was reported already; no second outbox message
            return db_session.get_one(MailMessage, message_id)
        message = written
    enqueue(db_session, TASK, message.id)
    return message


def from_row(
    *,
    dialect: str,
    recipient: tuple[QueryableAttribute[str], QueryableAttribute[str], QueryableAttribute[str]],
    where: Sequence[ColumnElement[bool] | QueryableAttribute[bool]],
) -> Any:
    """The statement queue_from_row runs, for its caller to build once: a mail to the
    address, locale and ref_id `recipient` reads from the one row `where` finds (an
    account's, say), unless the act's mail is kept already. Its parameters: mail_id,
    mail_kind, mail_facts, mail_created_at, and those of `where`."""
    address, locale, ref_id = recipient
    row = select(
        bindparam("mail_id", type_=String()),
        bindparam("mail_kind", type_=String()),
        address,
        case((locale.in_(LOCALES), locale), else_=literal(DEFAULT_LOCALE, String())),
        ref_id,
        bindparam("mail_facts", type_=_COLUMNS["facts"].type),
        literal("queued", String()),
        literal(0),
        bindparam("mail_created_at", type_=_COLUMNS["created_at"].type),
    ).where(*where)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(MailMessage)
        .from_select(_FROM_ROW, row)
        .on_conflict_do_nothing(index_elements=[MailMessage.id])
        .returning(MailMessage.id)
    )


def queue_from_row(
    *,
    db_session: Session,
    statement: Any,
    params: dict[str, Any],
    kind: str,
    message_id: str,
    facts: dict[str, Any] | None,
    now: datetime,
) -> str | None:
    """queue() in one statement (from_row's, with `params` for its `where`): the mail's id
    if it was written, None when it was not (the caller tells why, on that rarer path)."""
    if kind not in TEMPLATES:
        raise ValueError(f"no mail template {kind!r}")
    # Past the ORM (it would take the parameters for a bulk insert of its own), so its
    # autoflush by hand: the row it reads is the one the session holds.
    db_session.flush()
    mail = {"mail_id": message_id, "mail_kind": kind, "mail_facts": facts, "mail_created_at": now}
    written: str | None = db_session.connection().execute(statement, params | mail).scalar()
    if written is not None:
        enqueue(db_session, TASK, written)
    return written


_COLUMNS = MailMessage.__table__.c
_FROM_ROW = [
    "id",
    "kind",
    "to_address",
    "locale",
    "ref_id",
    "facts",
    "status",
    "attempts",
    "created_at",
]


def _upsert(db_session: Session) -> Any:
    dialect = db_session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(MailMessage)


def due(*, db_session: Session, message_id: str) -> MailMessage | None:
    """The mail if it still waits to be sent; None when sent, given up, or gone."""
    message = db_session.get(MailMessage, message_id)
    return message if message is not None and message.status == "queued" else None


def settle(*, db_session: Session, message_id: str, status: str, now: datetime) -> bool:
    """Mark a queued mail sent, cancelled (nothing to send after all) or failed; False if it
    was no longer queued (another copy of the task got there first)."""
    result = db_session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id, MailMessage.status == "queued")
        .values(status=status, sent_at=now if status == "sent" else None, last_error=None)
    )
    return bool(getattr(result, "rowcount", 0))


def record_failure(*, db_session: Session, message_id: str, error: str) -> bool:
    """Count a failed attempt and why; True when the mail is now given up (`failed`)."""
    message = db_session.get(MailMessage, message_id, with_for_update=True)
    if message is None or message.status != "queued":
        return True
    message.attempts += 1
    message.last_error = error[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    db_session.flush()
    return message.status == "failed"


def forget(*, db_session: Session, ref_id: str, address: str) -> int:
    """Delete every mail about `ref_id` or to `address` (erasure); returns how many."""
    result = db_session.execute(
        delete(MailMessage).where(
            or_(MailMessage.ref_id == ref_id, MailMessage.to_address == address)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_settled(*, db_session: Session, before: datetime) -> int:
    """Delete mail sent, cancelled or given up that was queued before `before`."""
    result = db_session.execute(
        delete(MailMessage).where(MailMessage.status != "queued", MailMessage.created_at < before)
    )
    return int(getattr(result, "rowcount", 0) or 0)
