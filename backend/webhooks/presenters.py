"""What the API shows of subscriptions and their delivery log, built from rows."""

from __future__ import annotations

from typing import Any

from backend.webhooks.models import WebhookDelivery, WebhookSubscription


def subscription_out(subscription: WebhookSubscription, *, secret: bool = False) -> dict[str, Any]:
    """A subscription; its `secret` only when it was just made (shown once)."""
    shown: dict[str, Any] = {
        "id": subscription.id,
        "url": subscription.url,
        "events": list(subscription.events),
        "disabled": subscription.disabled_at is not None,
        "disabled_at": subscription.disabled_at,
        "created_at": subscription.created_at,
    }
    if secret:
        shown["secret"] = subscription.secret
    return shown


def delivery_out(delivery: WebhookDelivery, event_type: str) -> dict[str, Any]:
    """One attempt of the delivery log."""
    return {
        "id": delivery.id,
        "message_id": delivery.message_id,
        "event_type": event_type,
        "attempt": delivery.attempt,
        "status_code": delivery.status_code,
        "duration_ms": delivery.duration_ms,
        "error": delivery.error,
        "created_at": delivery.created_at,
    }
