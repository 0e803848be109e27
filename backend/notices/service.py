"""Queue a worker's notice in the transaction of the act it reports; the `mail.send` task
writes and sends it after the commit. Keyword-only; flush, never commit.

A notice's id is its act's (rules.notice_id): an act repeated, retried or replayed queues
nothing more. Nothing is queued for an erased worker, nor one who turned notices off."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.kernel.clock import utcnow
from backend.mail import service as mail
from backend.mail.models import MailMessage
from backend.notices import rules

_RECIPIENT = select(User.id, User.email, User.locale, User.erased_at, User.notify_by_email).where(
    User.id == bindparam("worker_id")
)


def wants_notices(user: User | None) -> bool:
    """Whether mail may tell this person of what happened to their work."""
    return user is not None and user.erased_at is None and user.notify_by_email


def queue_notice(
    *, db_session: Session, kind: str, worker_id: str, act: str, facts: dict[str, Any]
) -> str | None:
    """Queue the notice `kind` of the act `act` to the worker, once; the mail's id (again:
    the notice queued first's), or None for a worker erased or not wanting notices."""
    if kind not in rules.KINDS:
        raise ValueError(f"no notice {kind!r}")
    message_id = rules.notice_id(act)
    # One statement in the common case: the mail written from the worker's row when they
    # want notices, unless this act's is kept already.
    queued = mail.queue_from_row(
        db_session=db_session,
        statement=_mail_to_worker(db_session.get_bind().dialect.name),
        params={"worker_id": worker_id},
        kind=kind,
        message_id=message_id,
        facts=facts,
        now=utcnow(),
    )
    if queued is not None:
        return queued
    # Nothing written: the worker does not want notices (as wants_notices() says), or the
    # act's notice was queued before (again: that one).
    worker = db_session.execute(_RECIPIENT, {"worker_id": worker_id}).one_or_none()
    if worker is None or worker.erased_at is not None or not worker.notify_by_email:
        return None
    kept: str | None = db_session.scalar(select(MailMessage.id).where(MailMessage.id == message_id))
    return kept


@cache
def _mail_to_worker(dialect: str) -> Any:
    # Built once: building it took longer than running it.
    return mail.from_row(
        dialect=dialect,
        # The worker's id as ref_id, as account mail has: erasure finds and deletes it by that.
        recipient=(User.email, User.locale, User.id),
        where=[
            User.id == bindparam("worker_id"),
            User.erased_at.is_(None),
            User.notify_by_email,
        ],
    )
