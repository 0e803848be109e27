"""A campaign with one store's mission, claimed by a worker, ready to receive evidence."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from backend.outbox.models import OutboxMessage
from tests.factories import BrandFactory, UserFactory
from tests.missions.world import build

BRUSSELS = (50.8467, 4.3525)
SKUS = ("PAD-1", "PAD-2")


@dataclass
class Claimed:
    assignment_id: str
    mission_id: str
    worker: Any
    headers: dict[str, str]
    brand_id: str
    brand: Any


def honest_payload(**changes: Any) -> dict[str, Any]:
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


@pytest.fixture
def claim(client, db, make, auth_headers) -> Callable[..., Claimed]:
    """claim(worker=None, at=BRUSSELS): a fresh mission at `at`, claimed by the worker."""
    brand = make(BrandFactory)

    def do(
        worker: Any = None, at: tuple[float, float] = BRUSSELS, review_required: bool = False
    ) -> Claimed:
        worker = worker or make(UserFactory)
        headers = auth_headers(worker)
        _campaign, (mission_id,) = build(
            db, brand.id, [at], skus=SKUS, review_required=review_required
        )
        response = client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)
        assert response.status_code == 201, response.json
        return Claimed(response.json["assignment_id"], mission_id, worker, headers, brand.id, brand)

    return do


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
