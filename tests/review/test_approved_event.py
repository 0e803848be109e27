"""`submission.approved` says when the submission was approved: the approval's own time, not
when the machine sent it to review (the row an approval holds was read before it moved)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from backend.submissions.models import Decision
from backend.webhooks.models import WebhookMessage
from tests.support.factories import UserFactory


def test_the_event_tells_the_approval_and_its_time(client, db, make, auth_headers, in_review):
    waiting = in_review()
    owner = auth_headers(make(UserFactory, role="brand", brand=waiting.claimed.brand))
    made = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.org/in", "events": ["submission.approved"]},
        headers=owner,
    )
    assert made.status_code == 201, made.json
    admin = auth_headers(make(UserFactory, role="admin"))
    approved = client.post(
        f"/api/v1/submissions/{waiting.submission_id}/decision",
        json={"decision": "approve"},
        headers=admin,
    )
    assert approved.status_code == 200, approved.json
    with db.transaction(write=False) as session:
        (payload,) = session.scalars(select(WebhookMessage.payload)).all()
        decided = session.execute(
            select(Decision.status, Decision.created_at)
            .where(Decision.submission_id == waiting.submission_id)
            .order_by(Decision.created_at)
        ).all()
    assert [status for status, _at in decided] == ["in_review", "approved"]
    data = payload["data"]
    assert datetime.fromisoformat(data["approved_at"]) == decided[-1].created_at
    assert data["submission_id"] == waiting.submission_id
    assert data["mission_id"] == waiting.claimed.mission_id
    assert data["outcome"] == "completed"
    assert data["answers"]
    assert [photo["id"] for photo in data["photos"]] == [
        photo["id"] for photo in approved.json["photos"]
    ]
