"""Request and answer shapes of the webhook endpoints."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from backend.schemas import PageQuery
from backend.webhooks.rules import EVENTS, URL_MAX

_EVENTS = ", ".join(f"`{e}`" for e in EVENTS)


class WebhookIn(Schema):
    url = String(
        required=True,
        validate=Length(min=1, max=URL_MAX),
        metadata={
            "description": "Where each event is POSTed: an https URL whose host is not a "
            "private, loopback, link-local or metadata address (checked again at every send)."
        },
    )
    events = List(
        String(validate=OneOf(EVENTS)),
        required=True,
        validate=Length(min=1),
        metadata={"description": f"The events to send: any of {_EVENTS}."},
    )
    brand_id = String(
        load_default=None,
        validate=Length(max=36),
        metadata={"description": "For an admin: the brand it is for. A brand leaves it out."},
    )


class WebhookOut(Schema):
    id = String()
    url = String()
    events = List(String())
    disabled = Boolean(
        metadata={
            "description": "True once 3 messages in a row exhausted their retries; nothing is "
            "sent to it any more (its owners were mailed)."
        }
    )
    disabled_at = DateTime(allow_none=True)
    created_at = DateTime()


class WebhookCreatedOut(WebhookOut):
    secret = String(
        metadata={
            "description": "The signing secret (`whsec_…`), shown this once: verify each "
            "message's `webhook-signature` with it (Standard Webhooks)."
        }
    )


class WebhookListOut(Schema):
    items = List(Nested(WebhookOut))
    next_cursor = String(allow_none=True, metadata={"description": "Always null: one page."})


class WebhookDeliveryOut(Schema):
    id = String()
    message_id = String(metadata={"description": "The `webhook-id` header, alike on retries."})
    event_type = String()
    attempt = Integer(metadata={"description": "1 for the first attempt at the message."})
    status_code = Integer(
        allow_none=True, metadata={"description": "The receiver's answer; null when none came."}
    )
    duration_ms = Integer()
    error = String(
        allow_none=True,
        metadata={"description": "Why no answer came (timeout, refused, unsafe_url: ...)."},
    )
    created_at = DateTime()


class WebhookDeliveryListOut(Schema):
    items = List(Nested(WebhookDeliveryOut))
    next_cursor = String(allow_none=True)


class WebhookDeliveryQuery(PageQuery):
    pass


class WebhookRedeliveryOut(Schema):
    message_id = String(metadata={"description": "The message sent again (same webhook-id)."})
