"""Send one queued mail: compose it (a composer gives its values, a link's fresh secret
among them) in a short transaction, deliver it with no transaction open, then mark it sent
together with its outbox message. A copy of the task finds it sent and does nothing."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session

from backend.db import Database
from backend.mail import service
from backend.mail.compose import compose
from backend.mail.models import MailMessage
from backend.mail.transport import Channel, deliver
from backend.outbox import service as outbox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Letter:
    """What a composer gives a mail: the values of its template's fields (with `link`), and
    the language to write it in. Never logged: the link holds a secret."""

    values: dict[str, str] = field(repr=False)
    locale: str


# (session, the queued mail, now) -> the letter, or None when there is nothing to send
# (the account is gone, the address already verified, no account has this address).
Composer = Callable[[Session, MailMessage, datetime], Letter | None]


def by_kind(composers: Mapping[str, Composer]) -> Composer:
    """One composer made of one per kind of mail; a kind none composes sends nothing."""

    def letter(db_session: Session, message: MailMessage, now: datetime) -> Letter | None:
        composer = composers.get(message.kind)
        if composer is None:
            log.warning("no composer for this mail", extra={"kind": message.kind})
            return None
        return composer(db_session, message, now)

    return letter


@dataclass(frozen=True)
class _Ready:
    email: EmailMessage = field(repr=False)
    name: str  # of its .eml file
    kind: str


def send_queued(
    *,
    database: Database,
    message_id: str,
    task_id: str | None,
    composer: Composer,
    channel: Channel,
    sender: str,
    now: Callable[[], datetime],
) -> str:
    """Send the mail `message_id` once; returns what became of it: sent, cancelled, failed,
    retry (the sweeper sends it again), or done (an earlier copy dealt with it)."""
    with database.transaction() as session:
        ready = _compose_due(session, message_id, task_id, composer, sender, now())
    if isinstance(ready, str):
        return ready
    try:
        deliver(ready.email, channel=channel, name=ready.name)
    except (OSError, smtplib.SMTPException) as exc:
        # Only the error's class and text: never the message, whose link holds a secret.
        return _failed(database, message_id, task_id, f"{type(exc).__name__}: {exc}")
    with database.transaction() as session:
        service.settle(db_session=session, message_id=message_id, status="sent", now=now())
        outbox.consume_once(db_session=session, message_id=task_id)
    log.info("mail sent", extra={"mail_id": message_id, "kind": ready.kind})
    return "sent"


def _compose_due(
    session: Session,
    message_id: str,
    task_id: str | None,
    composer: Composer,
    sender: str,
    now: datetime,
) -> _Ready | str:
    """The mail ready to deliver, or what became of it when there is nothing to send."""
    message = service.due(db_session=session, message_id=message_id)
    if message is None:
        outbox.consume_once(db_session=session, message_id=task_id)
        return "done"
    letter = composer(session, message, now)
    if letter is None:
        service.settle(db_session=session, message_id=message_id, status="cancelled", now=now)
        outbox.consume_once(db_session=session, message_id=task_id)
        return "cancelled"
    email = compose(
        mail_id=message.id,
        kind=message.kind,
        locale=letter.locale,
        to_address=message.to_address,
        sender=sender,
        values=letter.values,
        date=now,
    )
    name = f"{message.created_at:%Y%m%dT%H%M%S.%fZ}-{message.id}"
    return _Ready(email=email, name=name, kind=message.kind)


def _failed(database: Database, message_id: str, task_id: str | None, error: str) -> str:
    """Record a failed attempt: `retry` (the outbox sweeper sends it again) or `failed`."""
    with database.transaction() as session:
        given_up = service.record_failure(db_session=session, message_id=message_id, error=error)
        if given_up:
            outbox.consume_once(db_session=session, message_id=task_id)
    log.warning(
        "mail not sent; %s",
        "given up" if given_up else "the outbox sweeper tries again",
        extra={"mail_id": message_id, "error": error},
    )
    return "failed" if given_up else "retry"
