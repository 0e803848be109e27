"""Three messages in a row that exhaust their retries disable a subscription and mail its
owners; a delivery accepted starts the count over; a message can be sent again by hand.
Deliveries run in process here (the task's own function), to a real local receiver."""

from __future__ import annotations

import ipaddress
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from backend.kernel.clock import utcnow
from backend.mail.models import MailMessage
from backend.webhooks import delivery, service
from backend.webhooks.models import WebhookMessage, WebhookSubscription
from tests.support.factories import BrandFactory, UserFactory
from tests.support.mail import parts, read_eml, run_mail
from tests.support.receiver import always, receiver

EVENT = "campaign.completed"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {"WEBHOOK_ALLOW_PRIVATE_NETWORKS": True}


def policy(delays: tuple[float, ...] = ()) -> delivery.Policy:
    return delivery.Policy(delays=delays, allow_private=True, timeout=5, max_response_bytes=4096)


def emit(app: Any, db: Any, brand_id: str, n: int = 1) -> list[str]:
    with app.app_context(), db.transaction() as session:
        return [
            message_id
            for i in range(n)
            for message_id in service.emit(
                db_session=session,
                brand_id=brand_id,
                event_type=EVENT,
                data={"campaign_id": f"c{i}"},
                now=utcnow(),
            )
        ]


def deliver(app: Any, db: Any, message_id: str, delays: tuple[float, ...] = ()) -> str:
    with app.app_context():
        result, _retry = delivery.deliver(
            database=db,
            message_id=message_id,
            task_id=None,
            policy=policy(delays),
            now=utcnow,
            rng=random.Random(1),
        )
    return result


def subscribe(client: Any, headers: dict[str, str], url: str) -> str:
    made = client.post("/api/v1/webhooks", json={"url": url, "events": [EVENT]}, headers=headers)
    assert made.status_code == 201, made.json
    return str(made.json["id"])


def test_three_messages_given_up_in_a_row_disable_it_and_mail_the_owners(
    app, client, db, make, auth_headers
):
    brand = make(BrandFactory, name="Biscuits Dupont")
    owner = make(UserFactory, role="brand", brand=brand, locale="fr", display_name="Anne")
    other = make(UserFactory, role="brand", brand=brand, locale="nl")
    headers = auth_headers(owner)
    with receiver(always(500)) as down:
        subscription_id = subscribe(client, headers, f"{down.url}/in")
        first, second = emit(app, db, brand.id, 2)
        assert deliver(app, db, first) == "failed"
        assert deliver(app, db, second) == "failed"
        # An accepted delivery between them starts the count over.
        down.answer = always(200)
        assert deliver(app, db, emit(app, db, brand.id)[0]) == "delivered"
        down.answer = always(500)
        for message_id in emit(app, db, brand.id, 2):
            assert deliver(app, db, message_id) == "failed"
        shown = client.get("/api/v1/webhooks", headers=headers).json["items"][0]
        assert shown["disabled"] is False
        assert deliver(app, db, emit(app, db, brand.id)[0]) == "failed"
        assert len(down.requests()) == 6

    shown = client.get("/api/v1/webhooks", headers=headers).json["items"][0]
    assert shown["disabled"] is True
    assert shown["disabled_at"] is not None
    assert emit(app, db, brand.id) == []  # nothing more is sent to it
    with db.transaction(write=False) as session:
        mailed = session.execute(
            select(MailMessage.to_address, MailMessage.kind, MailMessage.ref_id)
        ).all()
    assert sorted(mailed) == sorted(
        [(u.email, "webhook_disabled", subscription_id) for u in (owner, other)]
    )
    assert run_mail(app, db) == ["sent", "sent"]
    letters = {m["To"]: m for m in read_eml(app)}
    text, html = parts(letters[owner.email])
    assert letters[owner.email]["Subject"] == "Un webhook Fairfield a été désactivé"
    assert "Bonjour Anne" in text
    assert down.url in text
    assert "Biscuits Dupont" in text
    assert "/#/webhooks" in html
    assert letters[other.email]["Subject"] == "Een Fairfield-webhook is uitgeschakeld"

    # A delivery of a disabled subscription is not sent again.
    log = client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=headers).json
    again = client.post(
        f"/api/v1/webhooks/{subscription_id}/deliveries/{log['items'][0]['id']}/redeliver",
        headers=headers,
    )
    assert (again.status_code, again.json["code"]) == (409, "webhook_disabled")


def test_a_failure_is_retried_on_the_schedule_then_given_up(app, client, db, make, auth_headers):
    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory, role="brand", brand=brand))
    with receiver(always(503)) as down:
        subscribe(client, headers, f"{down.url}/in")
        (message_id,) = emit(app, db, brand.id)
        assert deliver(app, db, message_id, delays=(60,)) == "retry"
        # Not due yet: a copy of the task (the sweeper's) does nothing.
        assert deliver(app, db, message_id, delays=(60,)) == "not_due"
        with db.transaction(write=False) as session:
            message = session.get_one(WebhookMessage, message_id)
            assert message.status == "pending"
            assert message.next_attempt_at is not None
            wait = message.next_attempt_at - utcnow()
            assert timedelta(seconds=45) < wait < timedelta(seconds=75)  # 60 s, jittered
            later = utcnow() + wait + delivery.SWEEP_GRACE
            assert delivery.due(db_session=session, now=utcnow()) == []
            # Left to its countdown a while, then sent again by the sweeper.
            assert delivery.due(db_session=session, now=later - timedelta(seconds=5)) == []
            assert delivery.due(db_session=session, now=later) == [message_id]
        with db.transaction() as session:
            session.get_one(WebhookMessage, message_id).next_attempt_at = utcnow()
        assert deliver(app, db, message_id, delays=(60,)) == "failed"
        assert len(down.requests()) == 2


def test_a_delivery_is_sent_again_by_hand_with_the_same_id(app, client, db, make, auth_headers):
    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory, role="brand", brand=brand))
    with receiver(always(200)) as up:
        subscription_id = subscribe(client, headers, f"{up.url}/in")
        (message_id,) = emit(app, db, brand.id)
        assert deliver(app, db, message_id) == "delivered"
        log = client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=headers).json
        (first,) = log["items"]
        again = client.post(
            f"/api/v1/webhooks/{subscription_id}/deliveries/{first['id']}/redeliver",
            headers=headers,
        )
        assert again.status_code == 202, again.json
        assert again.json == {"message_id": message_id}
        assert deliver(app, db, message_id) == "delivered"
        assert [r.headers["webhook-id"] for r in up.requests()] == [message_id, message_id]
    log = client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=headers).json
    assert [(i["attempt"], i["status_code"]) for i in log["items"]] == [(2, 200), (1, 200)]
    missing = client.post(
        f"/api/v1/webhooks/{subscription_id}/deliveries/nope/redeliver", headers=headers
    )
    assert missing.status_code == 404


def test_a_deleted_subscription_is_sent_nothing_more(app, client, db, make, auth_headers):
    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory, role="brand", brand=brand))
    with receiver(always(200)) as up:
        subscription_id = subscribe(client, headers, f"{up.url}/in")
        (message_id,) = emit(app, db, brand.id)
        deleted = client.delete(f"/api/v1/webhooks/{subscription_id}", headers=headers)
        assert deleted.status_code == 204
        assert deliver(app, db, message_id) == "gone"
        assert up.requests() == []
    with db.transaction(write=False) as session:
        assert session.scalars(select(WebhookSubscription)).all() == []


def test_an_event_that_fires_once_fires_once(app, db):
    key = "campaign.budget_low:c1"
    with app.app_context(), db.transaction() as session:
        assert service.first_time(db_session=session, key=key, now=utcnow())
        assert not service.first_time(db_session=session, key=key, now=utcnow())
    with app.app_context(), db.transaction() as session:
        assert not service.first_time(db_session=session, key=key, now=utcnow())
        assert service.first_time(db_session=session, key="campaign.budget_low:c2", now=utcnow())


def test_a_name_that_now_resolves_inside_is_logged_refused_and_never_reached(
    app, client, db, make, auth_headers
):
    brand = make(BrandFactory)
    headers = auth_headers(make(UserFactory, role="brand", brand=brand))
    subscription_id = subscribe(client, headers, "https://hooks.example.org/in")
    (message_id,) = emit(app, db, brand.id)
    asked = []

    def inside(host: str, port: int) -> list[Any]:
        asked.append((host, port))
        return [ipaddress.ip_address("10.0.0.9")]  # the name was moved inside since

    refusing = delivery.Policy(
        delays=(), allow_private=False, timeout=5, max_response_bytes=4096, resolver=inside
    )
    with app.app_context():
        result, _ = delivery.deliver(
            database=db,
            message_id=message_id,
            task_id=None,
            policy=refusing,
            now=utcnow,
            rng=random.Random(1),
        )
    assert result == "failed"
    assert asked == [("hooks.example.org", 443)]
    (logged,) = client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=headers).json[
        "items"
    ]
    assert logged["status_code"] is None
    assert logged["error"].startswith("unsafe_url")
    assert "10.0.0.9" in logged["error"]
