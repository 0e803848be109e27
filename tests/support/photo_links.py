"""Signed photo links as tests handle them: take one apart, sign one at another time, and run
the task that makes a photo's smaller copies, in this process as the worker would."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from sqlalchemy import select

from backend.kernel import links
from backend.outbox.models import OutboxMessage
from backend.settings import settings_of


def parts(url: str) -> tuple[str, dict[str, str]]:
    """A link's path and its query parameters."""
    split = urlsplit(url)
    return split.path, {k: v[0] for k, v in parse_qs(split.query).items()}


def joined(path: str, query: dict[str, str]) -> str:
    """A link from its path and query parameters."""
    return f"{path}?{urlencode(query)}"


def signed_at(
    app: Any, photo_id: str, *, viewer_id: str, now: float, ttl_seconds: int, variant: str = "full"
) -> str:
    """A link signed with the app's key as if made at `now`: the clock the test controls."""
    key = settings_of(app).secret_key.encode()
    link = links.sign(
        key,
        photo_id=photo_id,
        variant=variant,
        viewer_id=viewer_id,
        now=now,
        ttl_seconds=ttl_seconds,
    )
    return joined(f"/api/v1/photos/{photo_id}", link.query(key))


def make_variants_now(app: Any, db: Any, submission_id: str) -> int:
    """Run submissions.make_photo_variants for its outbox message; how many copies it made."""
    from workers.photos import make_photo_variants

    with db.transaction(write=False) as session:
        messages = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.task_name == "submissions.make_photo_variants"
            )
        ).all()
        (message_id,) = [m.id for m in messages if m.args == [submission_id]]
    with app.app_context():
        result = make_photo_variants.apply(args=[submission_id], task_id=message_id, throw=True)
    made: int = result.get()
    return made
