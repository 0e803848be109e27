"""Primary keys."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """Random, unguessable primary keys: ids leak nothing about volume or order."""
    return str(uuid.uuid4())
