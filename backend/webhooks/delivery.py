"""Deliver one message: take its attempt (a short transaction), sign and POST it with no
transaction open, then record the attempt and what follows (done, a retry, given up).

Taking an attempt is one conditional UPDATE on a pending message that is due, which also
moves its due time past the attempt's longest life: of two copies of the task (the
countdown's and the sweeper's) one sends, and a worker that dies mid-attempt leaves a message
the sweeper finds due again.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from backend.db import Database
from backend.outbox import service as outbox
from backend.webhooks import rules, service, transport
from backend.webhooks.models import WebhookDelivery, WebhookMessage, WebhookSubscription

log = logging.getLogger(__name__)
USER_AGENT = "Fairfield-Webhooks/1"
# A task's ETA and the database's due time come from clocks a moment apart.
DUE_SLACK = timedelta(seconds=1)
# The sweeper leaves a due message this long to its own task (a countdown firing, a backlog
# in the broker) before it sends another: it is there for tasks lost, not late.
SWEEP_GRACE = timedelta(seconds=120)


@dataclass(frozen=True)
class Policy:
    """How messages are sent: the settings the task reads, handed in."""

    delays: tuple[float, ...]
    allow_private: bool
    timeout: float
    max_response_bytes: int
    resolver: transport.Resolver = transport.system_resolver

    @property
    def lease(self) -> timedelta:
        """How long an attempt may take before it counts as dead: past the transport's own
        deadline for the whole attempt, with room for writing down what it came to."""
        return timedelta(seconds=self.timeout * transport.DEADLINE_TIMEOUTS + 30)


@dataclass(frozen=True)
class _Attempt:
    message_id: str
    attempt: int
    url: str
    secret: str = field(repr=False)
    body: bytes = field(repr=False)


def deliver(
    *,
    database: Database,
    message_id: str,
    task_id: str | None,
    policy: Policy,
    now: Callable[[], datetime],
    rng: random.Random,
) -> tuple[str, float | None]:
    """Make one attempt at a message if it is due; what came of it (delivered, retry,
    failed, not_due, gone, disabled) and, for a retry, the seconds until the next one."""
    with database.transaction() as session:
        outbox.consume_once(db_session=session, message_id=task_id)
        taken = _take(session, message_id, policy, now())
    if isinstance(taken, str):
        return taken, None
    sent_at = now()
    signature = Webhook(taken.secret).sign(taken.message_id, sent_at, taken.body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": taken.message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": signature,
    }
    outcome = transport.post(
        taken.url,
        taken.body,
        headers,
        allow_private=policy.allow_private,
        timeout=policy.timeout,
        max_response_bytes=policy.max_response_bytes,
        resolver=policy.resolver,
    )
    with database.transaction() as session:
        return _record(session, taken, outcome, policy, now(), rng)


def body_of(message: WebhookMessage) -> bytes:
    """The bytes sent and signed: the message's body as compact JSON."""
    return json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()


def _take(session: Session, message_id: str, policy: Policy, now: datetime) -> _Attempt | str:
    """The attempt to make, or why there is none."""
    row = session.execute(
        select(WebhookMessage, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookMessage.subscription_id)
        .where(WebhookMessage.id == message_id)
    ).first()
    if row is None:
        return "gone"  # its subscription was deleted
    message, subscription = row
    if subscription.disabled_at is not None and message.status == "pending":
        message.status, message.next_attempt_at = "failed", None
        session.flush()
        return "disabled"
    taken = session.execute(
        update(WebhookMessage)
        .where(
            WebhookMessage.id == message_id,
            WebhookMessage.status == "pending",
            WebhookMessage.next_attempt_at <= now + DUE_SLACK,
        )
        .values(attempts=WebhookMessage.attempts + 1, next_attempt_at=now + policy.lease)
        .execution_options(synchronize_session=False)
    )
    if not getattr(taken, "rowcount", 0):
        return "not_due"  # done, given up, not yet due, or another copy is sending it
    session.refresh(message)
    return _Attempt(
        message.id, message.attempts, subscription.url, subscription.secret, body_of(message)
    )


def _record(
    session: Session,
    taken: _Attempt,
    outcome: transport.Outcome,
    policy: Policy,
    now: datetime,
    rng: random.Random,
) -> tuple[str, float | None]:
    """Log the attempt; mark the message delivered, due again, or given up."""
    message = session.get(WebhookMessage, taken.message_id, with_for_update=True)
    if message is None:
        return "gone", None
    session.add(
        WebhookDelivery(
            message_id=message.id,
            subscription_id=message.subscription_id,
            attempt=taken.attempt,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            created_at=now,
        )
    )
    if rules.accepted(outcome.status_code):
        message.status, message.next_attempt_at = "delivered", None
        _count_failure(session, message.subscription_id, reset=True)
        session.flush()
        return "delivered", None
    last = message.last_attempt or rules.max_attempts(policy.delays)
    delay = rules.retry_delay(policy.delays, taken.attempt, rng) if taken.attempt < last else None
    if delay is not None:
        message.next_attempt_at = now + timedelta(seconds=delay)
        session.flush()
        return "retry", delay
    message.status, message.next_attempt_at = "failed", None
    session.flush()
    if _count_failure(session, message.subscription_id, reset=False) >= rules.DISABLE_AFTER:
        service.disable(db_session=session, subscription_id=message.subscription_id, now=now)
        log.warning(
            "webhook subscription disabled", extra={"subscription": message.subscription_id}
        )
    return "failed", None


def _count_failure(session: Session, subscription_id: str, *, reset: bool) -> int:
    """Count a message given up (or start over after one accepted); the count now."""
    counted = update(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    if reset:
        # Written only when there is something to clear: deliveries in a row never queue on
        # the subscription's row.
        counted = counted.where(WebhookSubscription.failures_in_row != 0).values(failures_in_row=0)
        session.execute(counted.execution_options(synchronize_session=False))
        return 0
    counted = counted.values(failures_in_row=WebhookSubscription.failures_in_row + 1)
    session.execute(counted.execution_options(synchronize_session=False))
    found = session.scalar(
        select(WebhookSubscription.failures_in_row).where(WebhookSubscription.id == subscription_id)
    )
    return int(found or 0)


def due(*, db_session: Session, now: datetime, limit: int = 500) -> list[str]:
    """Pending messages due for a while (a retry whose countdown was lost, an attempt that
    died); a fresh message whose first task was lost is the outbox sweeper's."""
    return list(
        db_session.scalars(
            select(WebhookMessage.id)
            .where(
                WebhookMessage.status == "pending",
                WebhookMessage.next_attempt_at <= now - SWEEP_GRACE,
            )
            .order_by(WebhookMessage.next_attempt_at)
            .limit(limit)
        )
    )
