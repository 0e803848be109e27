"""Queue mail in the caller's transaction; the `mail.send` task composes and sends it after
the commit (through the outbox), once. Keyword-only; flush, never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

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
    if message_id is not None:
        queued = db_session.get(MailMessage, message_id)
        if queued is not None:
            return queued  # the act was reported already; no second outbox message
    message = MailMessage(
        id=message_id or new_id(),
        kind=kind,
        to_address=to_address,
        locale=locale if locale in LOCALES else DEFAULT_LOCALE,
        ref_id=ref_id,
        facts=facts,
        status="queued",
        attempts=0,
    )
    db_session.add(message)
    db_session.flush()
    enqueue(db_session, TASK, message.id)
    return message


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
