"""Where a composed mail goes: an SMTP server, or (no server set) an .eml file in a folder."""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

SMTP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Channel:
    """The way out: `smtp_url` when set (smtp:// or smtps://), else files in `mail_dir`."""

    smtp_url: str
    mail_dir: str

    def __repr__(self) -> str:  # the URL may hold a password: never in a log line
        return f"Channel(smtp={'yes' if self.smtp_url else 'no'}, mail_dir={self.mail_dir!r})"


def deliver(message: EmailMessage, *, channel: Channel, name: str) -> None:
    """Send the message, or write it as `<mail_dir>/<name>.eml` when no SMTP server is set."""
    if channel.smtp_url:
        send_smtp(message, channel.smtp_url)
    else:
        write_eml(message, Path(channel.mail_dir), name)


def write_eml(message: EmailMessage, folder: Path, name: str) -> Path:
    """Write the message whole or not at all: a temporary file, synced, then renamed over
    `<name>.eml` (a second attempt replaces the first's file rather than adding one)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".eml.tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(message.as_bytes())
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return path


def send_smtp(message: EmailMessage, url: str) -> None:
    """Send through the server of `url`: smtps:// speaks TLS from the start; smtp:// upgrades
    with STARTTLS when the server offers it (certificate checked); then logs in if the URL
    carries a user."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    context = ssl.create_default_context()
    server: smtplib.SMTP
    if parts.scheme == "smtps":
        server = smtplib.SMTP_SSL(host, parts.port or 465, timeout=SMTP_TIMEOUT_S, context=context)
    else:
        server = smtplib.SMTP(host, parts.port or 25, timeout=SMTP_TIMEOUT_S)
    with server:
        server.ehlo()
        if parts.scheme == "smtp" and server.has_extn("starttls"):
            server.starttls(context=context)
            server.ehlo()
        if parts.username:
            server.login(unquote(parts.username), unquote(parts.password or ""))
        server.send_message(message)
