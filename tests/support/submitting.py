"""Submitting evidence as a phone does: the payload, the multipart body, the upload, and
running the validation task in-process as the worker would."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from backend.outbox.models import OutboxMessage

BRUSSELS = (50.8467, 4.3525)
SKUS = ("PAD-1", "PAD-2")


@dataclass
class Claimed:
    """A mission claimed by a worker through the API (see the `claim` fixture)."""

    assignment_id: str
    mission_id: str
    worker: Any
    headers: dict[str, str]
    brand_id: str
    brand: Any


def honest_payload(**changes: Any) -> dict[str, Any]:
    """A submission payload that passes every check at a store in Brussels."""
    payload = {
        "outcome": "completed",
        "answers": [
            {"sku": "PAD-1", "count": 12, "out_of_stock": False},
            {"sku": "PAD-2", "count": 0, "out_of_stock": True},
        ],
        "latitude": BRUSSELS[0],
        "longitude": BRUSSELS[1] + 0.0003,  # about 20 m from the store
        "accuracy_m": 8.0,
        "captured_at": datetime.now(UTC).isoformat(),
    }
    return payload | changes


def multipart(
    payload: str, photos: list[bytes], names: list[str] | None = None
) -> tuple[bytes, str]:
    """A multipart body as a phone sends it, with a fresh boundary each time."""
    boundary = f"fairfield-{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="payload"\r\n'
        f"Content-Type: application/json\r\n\r\n".encode()
        + payload.encode()
        + b"\r\n"
    ]
    for index, photo in enumerate(photos):
        name = names[index] if names else f"shelf{index}.jpg"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
            f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        parts.append(head.encode() + photo + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def submit(
    client: Any,
    claimed: Claimed,
    photos: list[bytes],
    payload: dict[str, Any] | str | None = None,
    key: str | None = None,
    names: list[str] | None = None,
) -> Any:
    """POST the evidence for a claimed mission, as one multipart request."""
    text = payload if isinstance(payload, str) else json.dumps(payload or honest_payload())
    body, content_type = multipart(text, photos, names)
    headers = dict(claimed.headers)
    if key:
        headers["Idempotency-Key"] = key
    # Bytes, not werkzeug's file tuples: its test client leaves large bodies' files open.
    return client.post(
        f"/api/v1/assignments/{claimed.assignment_id}/submission",
        data=body,
        headers=headers,
        content_type=content_type,
    )


def validate_now(app: Any, db: Any, submission_id: str) -> None:
    """Run the validation task in this process, as the worker would, for its outbox message."""
    from workers.validation import validate_submission

    with db.transaction(write=False) as session:
        message_id = session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.task_name == "validation.validate_submission"
            )
        ).all()
        ids = [m for m in message_id if session.get_one(OutboxMessage, m).args == [submission_id]]
    with app.app_context():
        validate_submission.apply(args=[submission_id], task_id=ids[0], throw=True)


def overdue_claim(client: Any, db: Any, make: Any, auth_headers: Any) -> tuple[str, str]:
    """A mission claimed by a new worker, the claim a day past its expiry: (mission id,
    assignment id), for the expiry sweep."""
    from backend.missions.models import Assignment
    from tests.support.factories import MissionFactory, UserFactory

    mission_id = make(MissionFactory, at=BRUSSELS).id
    claimed = client.post(
        f"/api/v1/missions/{mission_id}/claim", headers=auth_headers(make(UserFactory))
    )
    assignment_id = claimed.json["assignment_id"]
    with db.transaction() as session:
        session.execute(
            update(Assignment)
            .where(Assignment.id == assignment_id)
            .values(expires_at=datetime.now(UTC) - timedelta(days=1))
        )
    return mission_id, assignment_id
