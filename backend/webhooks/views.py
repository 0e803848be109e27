"""HTTP endpoints for webhook subscriptions (brand side): parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.access import requires
from backend.accounts.auth import BRAND_SIDE, auth, current_user
from backend.accounts.service import acting_brand_id
from backend.db import request_session
from backend.kernel.clock import utcnow
from backend.organisations.acts import record_act
from backend.settings import current_settings
from backend.webhooks import queries, service
from backend.webhooks.presenters import subscription_out
from backend.webhooks.schemas import (
    WebhookCreatedOut,
    WebhookDeliveryListOut,
    WebhookDeliveryQuery,
    WebhookIn,
    WebhookListOut,
    WebhookRedeliveryOut,
)

bp = APIBlueprint("webhooks", __name__, url_prefix="/api/v1", tag="Webhooks")

_SIGNED = (
    "Each event is POSTed as `{type, timestamp, data}` with the headers `webhook-id`, "
    "`webhook-timestamp` and `webhook-signature` (Standard Webhooks: verify with the "
    "subscription's secret). An answer other than 2xx (a redirect included: none is "
    "followed) is retried after each delay of FAIRFIELD_WEBHOOK_RETRY_DELAYS, jittered; "
    "after 3 messages in a row exhausted their retries the subscription is disabled and the "
    "organisation's owners mailed."
)


@bp.post("/webhooks")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("webhooks:write")
@bp.input(WebhookIn, arg_name="data")
@bp.output(WebhookCreatedOut, status_code=201)
@bp.doc(
    summary="Subscribe a URL to the organisation's events; the secret is shown once",
    description=_SIGNED
    + " A URL that is not https, or whose host is a literal private, loopback, link-local "
    "or metadata address, is 422 `unsafe_url` naming `url`. `campaign.budget_low` is sent "
    "once per campaign: when less than 10 % of its funding remains, or when a recurring "
    "campaign's round is due and the organisation's balance cannot fund it (then its data "
    "adds `reason: insufficient_balance`, `round`, `needed` and `available`).",
    responses=[401, 403, 422],
)
def create_webhook(data: dict[str, Any]) -> Any:
    session = request_session()
    user = current_user()
    subscription = service.create_subscription(
        db_session=session,
        brand_id=acting_brand_id(db_session=session, user=user, brand_id=data["brand_id"]),
        url=data["url"],
        events=data["events"],
        created_by=user.id,
        allow_private=current_settings().webhook_allow_private_networks,
    )
    record_act(
        db_session=session,
        brand_id=subscription.brand_id,
        action="webhook.created",
        target_type="webhook",
        target_id=subscription.id,
        detail={"url": subscription.url, "events": list(subscription.events)},
    )
    return subscription_out(subscription, secret=True)


@bp.get("/webhooks")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("webhooks:write")
@bp.output(WebhookListOut)
@bp.doc(
    summary="The organisation's webhook subscriptions (never their secrets)", responses=[401, 403]
)
def list_webhooks() -> Any:
    return queries.subscriptions(db_session=request_session(), user=current_user())


@bp.delete("/webhooks/<subscription_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("webhooks:write")
@bp.output({}, status_code=204)
@bp.doc(summary="Delete a subscription; nothing more is sent to it", responses=[401, 403, 404])
def delete_webhook(subscription_id: str) -> Any:
    session = request_session()
    brand_id = service.delete_subscription(
        db_session=session, user=current_user(), subscription_id=subscription_id
    )
    record_act(
        db_session=session,
        brand_id=brand_id,
        action="webhook.deleted",
        target_type="webhook",
        target_id=subscription_id,
    )
    return ""


@bp.get("/webhooks/<subscription_id>/deliveries")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("webhooks:write")
@bp.input(WebhookDeliveryQuery, location="query", arg_name="query")
@bp.output(WebhookDeliveryListOut)
@bp.doc(
    summary="A subscription's delivery log: each attempt, newest first",
    description="Each attempt with the receiver's status code (null when no answer came), "
    "how long it took, and why it failed.",
    responses=[401, 403, 404, 422],
)
def list_deliveries(subscription_id: str, query: dict[str, Any]) -> Any:
    return queries.deliveries(
        db_session=request_session(),
        user=current_user(),
        subscription_id=subscription_id,
        limit=query["limit"],
        cursor=query["cursor"],
    )


@bp.post("/webhooks/<subscription_id>/deliveries/<delivery_id>/redeliver")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("webhooks:write")
@bp.output(WebhookRedeliveryOut, status_code=202)
@bp.doc(
    summary="Send a delivery's message again (same webhook-id)",
    description="Queued at once; a message whose retries were given up gets one attempt more. "
    "A disabled subscription is 409 `webhook_disabled`.",
    responses=[401, 403, 404, 409],
)
def redeliver(subscription_id: str, delivery_id: str) -> Any:
    message_id = service.redeliver(
        db_session=request_session(),
        user=current_user(),
        subscription_id=subscription_id,
        delivery_id=delivery_id,
        now=utcnow(),
    )
    return {"message_id": message_id}
