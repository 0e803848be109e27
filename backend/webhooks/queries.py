"""Reads of subscriptions and their delivery log, scoped to who asks."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.kernel.scoping import Viewer, get_visible, scoped
from backend.pagination import page, paginate
from backend.webhooks.models import WebhookDelivery, WebhookMessage, WebhookSubscription
from backend.webhooks.presenters import delivery_out, subscription_out


def subscriptions(*, db_session: Session, user: Viewer) -> dict[str, Any]:
    """Every subscription the user may see (an organisation has a few), newest first."""
    rows = db_session.scalars(
        scoped(select(WebhookSubscription), WebhookSubscription, user).order_by(
            WebhookSubscription.created_at.desc(), WebhookSubscription.id.desc()
        )
    ).all()
    return {"items": [subscription_out(s) for s in rows], "next_cursor": None}


def deliveries(
    *, db_session: Session, user: Viewer, subscription_id: str, limit: int, cursor: str | None
) -> dict[str, Any]:
    """A subscription's delivery attempts, newest first, a page at a time."""
    subscription = get_visible(db_session, WebhookSubscription, subscription_id, user)
    # One row of two columns; paginate orders and cuts any select by the delivery's keys.
    stmt = cast(
        Select[Any],
        select(WebhookDelivery, WebhookMessage.event_type)
        .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)
        .where(WebhookDelivery.subscription_id == subscription.id),
    )
    rows = db_session.execute(paginate(stmt, WebhookDelivery, limit=limit, cursor=cursor)).all()
    found = page([row[0] for row in rows], limit=limit)
    types = {row[0].id: row[1] for row in rows}
    found["items"] = [delivery_out(d, types[d.id]) for d in found["items"]]
    return found
