"""Keyset pagination: opaque cursors over (created_at, id), stable under concurrent inserts."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, tuple_

from backend.errors import Invalid
from backend.i18n import gettext

T = TypeVar("T")
LIMIT_MAX = 200


def encode_cursor(created_at: datetime, object_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), object_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, object_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created), str(object_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid(
            gettext("The cursor is not one we gave out."), errors={"cursor": ["Invalid."]}
        ) from exc


def paginate(stmt: Select[Any], model: Any, *, limit: int, cursor: str | None) -> Select[Any]:
    """Newest first; fetch one extra row to know whether another page exists."""
    if cursor:
        created_at, object_id = decode_cursor(cursor)
        stmt = stmt.where(tuple_(model.created_at, model.id) < tuple_(created_at, object_id))
    return stmt.order_by(model.created_at.desc(), model.id.desc()).limit(limit + 1)


def page(rows: Sequence[T], *, limit: int) -> dict[str, Any]:
    """The list envelope: items and the cursor of the next page, if any."""
    items = list(rows[:limit])
    more = len(rows) > limit
    last: Any = items[-1] if items else None
    return {
        "items": items,
        "next_cursor": encode_cursor(last.created_at, last.id) if more and last else None,
    }
