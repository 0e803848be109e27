"""Subscriptions and the messages of their events. Keyword-only; flush, never commit.

`emit` is called in the transaction of the act it tells of (an approval, a reopening): one
message per enabled subscription to that event, delivered by the `webhooks.deliver` task
through the outbox once the act commits.
"""

from __future__ import annotations

import base64
import secrets
import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, event, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.errors import Conflict, Invalid, not_found
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.kernel.scoping import Viewer, get_visible
from backend.mail import service as mail
from backend.outbox.tasks import enqueue
from backend.webhooks import rules
from backend.webhooks.models import (
    WebhookDelivery,
    WebhookMessage,
    WebhookOnce,
    WebhookSubscription,
)

DELIVER = "webhooks.deliver"
DISABLED_MAIL = "webhook_disabled"
# Where a session keeps the enabled subscriptions it read, for the transaction it read them in.
_READ = "webhooks.enabled_subscriptions"


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes one: `whsec_` and 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_subscription(
    *,
    db_session: Session,
    brand_id: str,
    url: str,
    events: Sequence[str],
    created_by: str | None,
    allow_private: bool,
) -> WebhookSubscription:
    """Subscribe a URL to events; 422 `unsafe_url` when it may not be sent to."""
    try:
        rules.check_url(url, allow_private=allow_private)
    except rules.UnsafeUrl as exc:
        raise Invalid(
            "This URL cannot receive webhooks.", code="unsafe_url", errors={"url": [str(exc)]}
        ) from exc
    unknown = sorted(set(events) - set(rules.EVENTS))
    if unknown or not events:
        raise Invalid(
            "Name at least one event, among those Fairfield sends.",
            errors={"events": [f"Each one of: {', '.join(rules.EVENTS)}."]},
        )
    subscription = WebhookSubscription(
        brand_id=brand_id,
        url=url,
        events=[e for e in rules.EVENTS if e in events],
        secret=new_secret(),
        created_by=created_by,
    )
    db_session.add(subscription)
    db_session.flush()
    _forget(db_session)
    return subscription


def delete_subscription(*, db_session: Session, user: Viewer, subscription_id: str) -> str:
    """Delete a subscription the user may see, its messages and their log with it; the
    brand it belonged to."""
    subscription = get_visible(db_session, WebhookSubscription, subscription_id, user)
    brand_id = subscription.brand_id
    db_session.delete(subscription)
    db_session.flush()
    _forget(db_session)
    return brand_id


def listening(*, db_session: Session, brand_id: str, event_type: str) -> bool:
    """Whether an enabled subscription of the brand wants `event_type`: when none does, the
    caller need not build the event's data."""
    return any(event_type in events for _id, events in _enabled(db_session, brand_id))


def emit(
    *, db_session: Session, brand_id: str, event_type: str, data: dict[str, Any], now: datetime
) -> list[str]:
    """Queue `event_type` with `data` to every enabled subscription of the brand to it; the
    ids of the messages, sent once this transaction commits."""
    assert event_type in rules.EVENTS, f"unknown event {event_type!r}"
    subscriptions = _enabled(db_session, brand_id)
    body = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    sent = utcnow()
    ids = []
    for subscription_id, events in subscriptions:
        if event_type not in events:
            continue
        message_id = "msg_" + new_id().replace("-", "")
        db_session.execute(
            insert(WebhookMessage).values(
                id=message_id,
                subscription_id=subscription_id,
                event_type=event_type,
                payload=body,
                status="pending",
                attempts=0,
                last_attempt=0,  # the schedule's last, whatever it is when it runs
                # Due by the real clock, whatever time the act was told it is (a test's, a
                # backfill's): delivery runs now.
                next_attempt_at=sent,
                created_at=sent,
            )
        )
        enqueue(db_session, DELIVER, message_id)
        ids.append(message_id)
    return ids


def _enabled(db_session: Session, brand_id: str) -> list[tuple[str, list[str]]]:
    """The brand's enabled subscriptions (id, events), read once per transaction: one approval
    asks about three events of one brand (submission.approved, campaign.budget_low,
    campaign.completed), and each used to read them again."""
    transaction = db_session.get_transaction()
    held = db_session.info.get(_READ)
    if transaction is not None and held is not None and held[0]() is transaction:
        read: dict[str, list[tuple[str, list[str]]]] = held[1]
    else:
        read = {}
    if brand_id not in read:
        read[brand_id] = [
            (subscription_id, list(events))
            for subscription_id, events in db_session.execute(
                select(WebhookSubscription.id, WebhookSubscription.events).where(
                    WebhookSubscription.brand_id == brand_id,
                    WebhookSubscription.disabled_at.is_(None),
                )
            )
        ]
        # The transaction the rows were read in (begun by that read, if none was).
        began = db_session.get_transaction()
        if began is not None:
            db_session.info[_READ] = (weakref.ref(began), read)
    return read[brand_id]


def _forget(db_session: Session) -> None:
    """Drop the subscriptions read so far: this transaction changed them."""
    db_session.info.pop(_READ, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    # A savepoint rolled back may have undone a change to them read since.
    _forget(session)


def first_time(*, db_session: Session, key: str, now: datetime) -> bool:
    """True the first time `key` is seen, False ever after: an event that fires once."""
    # ON CONFLICT DO NOTHING: of two racing transactions one inserts (and gets its key
    # back), the other gets nothing, and neither aborts.
    insert_ = pg_insert if db_session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = {"key": key, "created_at": now}
    statement: Executable = (
        insert_(WebhookOnce).values(values).on_conflict_do_nothing().returning(WebhookOnce.key)
    )
    return db_session.execute(statement).scalar() is not None


def redeliver(
    *, db_session: Session, user: Viewer, subscription_id: str, delivery_id: str, now: datetime
) -> str:
    """Send a delivery's message again (its retries given up or not); the message's id."""
    subscription = get_visible(db_session, WebhookSubscription, subscription_id, user)
    delivery = db_session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.subscription_id == subscription.id
        )
    )
    if delivery is None:
        raise not_found("delivery")
    if subscription.disabled_at is not None:
        raise Conflict(
            "This subscription is disabled: its messages are not sent.", code="webhook_disabled"
        )
    message = db_session.get_one(WebhookMessage, delivery.message_id, with_for_update=True)
    if message.status != "pending":
        # One attempt more; the failure of a redelivery is not retried.
        message.last_attempt = message.attempts + 1
    message.status = "pending"
    message.next_attempt_at = now
    db_session.flush()
    enqueue(db_session, DELIVER, message.id)
    return message.id


def owners(*, db_session: Session, brand_id: str) -> list[User]:
    """Who is told when a subscription of the brand is disabled: its owners."""
    return list(
        db_session.scalars(
            select(User)
            .where(
                User.brand_id == brand_id,
                User.role == "brand",
                User.org_role == "owner",
                User.removed_at.is_(None),
                User.erased_at.is_(None),
            )
            .order_by(User.created_at, User.id)
        )
    )


def disable(*, db_session: Session, subscription_id: str, now: datetime) -> bool:
    """Disable a subscription and mail its owners; False when it was disabled already."""
    disabled = db_session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.disabled_at.is_(None))
        .values(disabled_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(disabled, "rowcount", 0):
        return False
    _forget(db_session)
    brand_id = db_session.scalar(
        select(WebhookSubscription.brand_id).where(WebhookSubscription.id == subscription_id)
    )
    for owner in owners(db_session=db_session, brand_id=str(brand_id)):
        mail.queue(
            db_session=db_session,
            kind=DISABLED_MAIL,
            to_address=owner.email,
            locale=owner.locale,
            ref_id=subscription_id,
        )
    return True
