"""Mail in tests: run the queued mail through the real task, read the .eml files back, take
the token out of a link, and a real SMTP server (aiosmtpd) on a free port."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from backend.mail.models import MailMessage
from backend.outbox.models import OutboxMessage

LINK_PREFIX = "http://127.0.0.1:8000"


def queued_mail(db: Any) -> list[tuple[str, str]]:
    """(mail id, outbox message id) of every mail waiting, oldest first."""
    with db.transaction(write=False) as session:
        waiting = session.scalars(
            select(MailMessage.id)
            .where(MailMessage.status == "queued")
            .order_by(MailMessage.created_at)
        ).all()
        outbox = session.scalars(
            select(OutboxMessage).where(OutboxMessage.task_name == "mail.send")
        ).all()
    by_mail = {message.args[0]: message.id for message in outbox}
    return [(mail_id, by_mail[mail_id]) for mail_id in waiting]


def run_mail(app: Any, db: Any) -> list[str]:
    """Send every queued mail through the `mail.send` task, as a worker would (its outbox
    id as the task id); what became of each."""
    from workers.mail import send

    with app.app_context():
        return [
            send.apply(args=[mail_id], task_id=task_id, throw=True).get()
            for mail_id, task_id in queued_mail(db)
        ]


def mail_dir(app: Any) -> Path:
    return Path(app.config["MAIL_DIR"])


def read_eml(app: Any) -> list[EmailMessage]:
    """Every .eml file in the mail folder, oldest first, parsed."""
    folder = mail_dir(app)
    files = sorted(folder.glob("*.eml")) if folder.exists() else []
    return [parse(path.read_bytes()) for path in files]


def parse(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and the HTML part of a mail."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The one link to `path` in the mail's plain text."""
    text, _html = parts(message)
    links = [word for word in text.split() if word.startswith(f"{LINK_PREFIX}{path}?")]
    assert len(links) == 1, text
    return links[0]


def token_in(message: EmailMessage, path: str) -> str:
    """The token of the mail's link to `path` (`/reset-password`, `/verify-email`)."""
    return parse_qs(urlsplit(link_in(message, path)).query)["token"][0]


def mailed_reset_token(app: Any, db: Any, client: Any, email: str) -> str:
    """Ask for a password reset of `email` and take the token from the mail it gets."""
    assert client.post("/api/v1/auth/password-reset", json={"email": email}).status_code == 202
    assert run_mail(app, db) == ["sent"]
    message = read_eml(app)[-1]  # files are named by the time the mail was queued
    assert message["To"] == email
    return token_in(message, "/reset-password")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    """What the SMTP server received: (envelope sender, recipients, parsed message)."""

    url: str
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), parse(envelope.original_content))
        )
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            login = (data.login.decode(), data.password.decode())
            self.logins.append(login)
            return AuthResult(success=login == ("mailer", "s3cret pass"))
        return AuthResult(success=False)


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 that offers AUTH and takes the login mailer /
    's3cret pass' (no TLS: it is local), and keeps what it receives and the logins tried."""
    port = free_port()
    inbox = Inbox(url=f"smtp://mailer:s3cret%20pass@127.0.0.1:{port}")
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,  # local: no TLS, so AUTH must be offered without it
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
