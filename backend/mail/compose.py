"""A mail from its template and values: a plain-text part and an HTML part. Pure."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from backend.mail.templates import LINK, template

_STYLE_BUTTON = (
    "display:inline-block;padding:12px 20px;background:#1f5f8b;color:#ffffff;"
    "text-decoration:none;border-radius:4px;font-weight:bold"
)
_STYLE_BODY = "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a"


def message_id(mail_id: str, sender: str) -> str:
    """The Message-ID of a stored mail: the same on every attempt to send it."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{mail_id}@{domain}>"


def compose(
    *,
    mail_id: str,
    kind: str,
    locale: str,
    to_address: str,
    sender: str,
    values: Mapping[str, str],
    date: datetime,
) -> EmailMessage:
    """The message of this kind in this language, `values` filling its fields (`link` the
    link), with a plain-text and an HTML alternative."""
    words = template(kind, locale)
    message = EmailMessage()
    message["Subject"] = words.subject.format_map(values)
    message["From"] = sender
    message["To"] = Address(addr_spec=to_address)
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(mail_id, sender)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    message.set_content(_text(words.paragraphs, words.signature, values))
    message.add_alternative(
        _html(words.paragraphs, words.action, words.signature, values, locale), subtype="html"
    )
    message["Content-Language"] = locale  # after the parts: setting content clears it
    return message


def _shown(paragraphs: tuple[str, ...], values: Mapping[str, str]) -> list[str]:
    """The paragraphs with something to say: one made only of fields left empty (a comment
    nobody wrote) is left out."""
    return [p for p in paragraphs if p == LINK or p.format_map(values).strip()]


def _text(paragraphs: tuple[str, ...], signature: str, values: Mapping[str, str]) -> str:
    shown = _shown(paragraphs, values)
    lines = [values["link"] if p == LINK else p.format_map(values) for p in shown]
    return "\n\n".join([*lines, f"-- \n{signature}"]) + "\n"


def _html(
    paragraphs: tuple[str, ...],
    action: str,
    signature: str,
    values: Mapping[str, str],
    locale: str,
) -> str:
    safe = {key: html.escape(value) for key, value in values.items()}
    link = safe["link"]
    blocks = []
    for paragraph in _shown(paragraphs, values):
        if paragraph == LINK:
            blocks.append(
                f'<p><a href="{link}" style="{_STYLE_BUTTON}">{html.escape(action)}</a></p>'
                f'<p style="font-size:13px;word-break:break-all"><a href="{link}">{link}</a></p>'
            )
        else:
            blocks.append(f"<p>{html.escape(paragraph).format_map(safe)}</p>")
    body = "\n".join(blocks)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(locale)}"><head><meta charset="utf-8">'
        f'</head>\n<body style="{_STYLE_BODY}">\n{body}\n'
        f"<p>{html.escape(signature)}</p>\n</body></html>\n"
    )
