"""Webhooks end to end: a real Celery worker (beat embedded) delivers every event to a real
receiver on the loopback that fails each message twice, then accepts it."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from backend.webhooks.models import WebhookMessage
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.processes import wait_until
from tests.support.receiver import fail_first, receiver
from tests.support.review import reject
from tests.support.submitting import Claimed, submit
from tests.support.world import fund

EVENTS = ["submission.approved", "mission.reopened", "campaign.completed", "campaign.budget_low"]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,  # the receiver is on the loopback
        "WEBHOOK_RETRY_DELAYS": [1, 1],
        "OUTBOX_SWEEP_SECONDS": 1,
    }


def status_of(client: Any, claimed: Claimed, submission_id: str) -> str:
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers)
    return str(shown.json["status"])


def submit_for_review(client: Any, claimed: Claimed, seed: int) -> str:
    """Evidence that passes every check of a campaign that wants a person's review."""
    sent = submit(client, claimed, [jpeg(shelf(seed=seed))])
    assert sent.status_code == 202, sent.json
    submission_id = str(sent.json["submission_id"])
    wait_until(
        lambda: status_of(client, claimed, submission_id) == "in_review", 60, "the validation"
    )
    return submission_id


def claim_again(client: Any, make: Any, auth_headers: Any, first: Claimed) -> Claimed:
    worker = make(UserFactory)
    headers = auth_headers(worker)
    claimed = client.post(f"/api/v1/missions/{first.mission_id}/claim", headers=headers)
    assert claimed.status_code == 201, claimed.json
    assignment_id = claimed.json["assignment_id"]
    return Claimed(assignment_id, first.mission_id, worker, headers, first.brand_id, first.brand)


def delivered(db: Any) -> bool:
    with db.transaction(write=False) as session:
        statuses = session.scalars(select(WebhookMessage.status)).all()
    return len(statuses) == len(EVENTS) and set(statuses) == {"delivered"}


def test_every_event_is_delivered_once_signed_after_two_failures(
    app, client, db, make, auth_headers, claim, start_worker
):
    admin = auth_headers(make(UserFactory, admin=True))
    first = claim(review_required=True)
    fund(db, [first.mission_id])  # its reward exactly: spent at the approval, nothing left
    brand = auth_headers(make(UserFactory, role="brand", brand=first.brand))
    with receiver(fail_first(2)) as hooks:
        created = client.post(
            "/api/v1/webhooks", json={"url": f"{hooks.url}/hooks", "events": EVENTS}, headers=brand
        )
        assert created.status_code == 201, created.json
        secret = created.json["secret"]
        assert secret.startswith("whsec_")
        start_worker()

        # A rejection reopens the mission; another worker's evidence is approved, which
        # spends the campaign's whole budget and finishes its only mission.
        reject(client, admin, submit_for_review(client, first, seed=70))
        second = claim_again(client, make, auth_headers, first)
        approved_id = submit_for_review(client, second, seed=71)
        decided = client.post(
            f"/api/v1/submissions/{approved_id}/decision",
            json={"decision": "approve"},
            headers=admin,
        )
        assert decided.status_code == 200, decided.json
        wait_until(lambda: delivered(db), 90, "every message delivered")
        requests = hooks.requests()

    # Exactly one accepted delivery of each event, each after two refused attempts.
    accepted = [r for r in requests if r.status == 204]
    assert sorted(json.loads(r.body)["type"] for r in accepted) == sorted(EVENTS)
    assert Counter(r.headers["webhook-id"] for r in requests) == {
        r.headers["webhook-id"]: 3 for r in accepted
    }
    # Every attempt is signed (afresh, with its own timestamp) and verifies.
    webhook = Webhook(secret)
    bodies = {json.loads(r.body)["type"]: webhook.verify(r.body, r.headers) for r in requests}
    assert all(r.path == "/hooks" for r in requests)

    approval = bodies["submission.approved"]["data"]
    assert approval["submission_id"] == approved_id
    assert approval["mission_id"] == first.mission_id
    assert set(approval) >= {"campaign_id", "store_id", "answers", "photos", "approved_at"}
    # The answers in the form's shape, whatever shape the phone sent them in.
    assert approval["answers"]
    assert all({"question_id", "value"} <= set(answer) for answer in approval["answers"])
    (photo,) = approval["photos"]
    # A long-lived link, like an export's: it works without any Authorization header.
    path = photo["url"].removeprefix(app.config["PUBLIC_URL"])
    assert path.startswith("/api/v1/photos/")
    assert client.get(path).status_code == 200
    reopened = bodies["mission.reopened"]["data"]
    assert (reopened["mission_id"], reopened["reason"]) == (first.mission_id, "submission_rejected")
    low = bodies["campaign.budget_low"]["data"]
    assert low["remaining"]["amount_minor"] == 0
    assert low["funded"]["amount_minor"] > 0
    assert bodies["campaign.completed"]["data"]["missions"] == {"completed": 1}

    # The delivery log: three attempts per message, their answers, newest first.
    log = client.get(f"/api/v1/webhooks/{created.json['id']}/deliveries", headers=brand)
    assert log.status_code == 200, log.json
    items = log.json["items"]
    assert len(items) == 3 * len(EVENTS)
    by_message: dict[str, list[tuple[int, int]]] = {}
    for item in reversed(items):
        by_message.setdefault(item["message_id"], []).append((item["attempt"], item["status_code"]))
        assert item["duration_ms"] >= 0
        assert item["error"] is None
    assert sorted(by_message.values()) == [[(1, 503), (2, 503), (3, 204)]] * len(EVENTS)
