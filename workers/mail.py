"""Mail tasks: send one queued mail (fed by the outbox), and forget old settled ones."""

from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task

from backend.accounts import recovery
from backend.db import get_db
from backend.kernel.clock import utcnow
from backend.mail import sending
from backend.mail import service as mail
from backend.mail.transport import Channel
from backend.notices import letters
from backend.notices import rules as notice_rules
from backend.organisations import invites
from backend.settings import current_settings
from backend.webhooks import mailing as webhook_mail

# Settled mail (sent, cancelled, given up) is kept this long, for support questions.
KEEP_SETTLED = timedelta(days=30)


@shared_task(name=mail.TASK, bind=True, ignore_result=True)
def send(self: Task, message_id: str) -> str:
    """Compose and send a queued mail once; a copy of the task finds it sent."""
    settings = current_settings()
    account = recovery.composer(
        public_url=settings.public_url,
        reset_ttl_seconds=settings.password_reset_ttl_seconds,
        verification_ttl_seconds=settings.email_verification_ttl_seconds,
    )
    notice = letters.composer(
        public_url=settings.public_url, appeal_window_days=settings.appeal_window_days
    )
    composer = sending.by_kind(
        {recovery.RESET: account, recovery.VERIFICATION: account}
        | dict.fromkeys(notice_rules.KINDS, notice)
        | {invites.KIND: invites.composer(public_url=settings.public_url)}
        | dict.fromkeys(webhook_mail.KINDS, webhook_mail.composer(public_url=settings.public_url))
    )
    return sending.send_queued(
        database=get_db(),
        message_id=message_id,
        task_id=self.request.id,
        composer=composer,
        channel=Channel(smtp_url=settings.smtp_url, mail_dir=settings.mail_dir),
        sender=settings.mail_from,
        now=utcnow,
    )


@shared_task(name="mail.purge_settled", ignore_result=True)
def purge_settled() -> int:
    """Delete mail settled more than 30 days ago."""
    with get_db().transaction() as session:
        return mail.purge_settled(db_session=session, before=utcnow() - KEEP_SETTLED)
