"""Submissions waiting for a person, admins to decide them, and rejections and appeals as a
test sends them over HTTP. A conftest imports the fixtures `in_review` and `admin` to use them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from backend.ledger import service as ledger
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import Claimed, submit, validate_now


@dataclass
class Waiting:
    claimed: Claimed
    submission_id: str


@pytest.fixture
def in_review(app, client, db, claim) -> Callable[..., Waiting]:
    """in_review(payload=None, worker=None, review_required=True): a validated submission;
    its campaign sends it to a person unless review_required is False."""
    seeds = iter(range(900, 10_000))

    def do(
        payload: dict[str, Any] | None = None, worker: Any = None, review_required: bool = True
    ) -> Waiting:
        claimed = claim(worker=worker, review_required=review_required)
        response = submit(client, claimed, [jpeg(shelf(seed=next(seeds)))], payload)
        assert response.status_code == 202, response.json
        submission_id = response.json["submission_id"]
        validate_now(app, db, submission_id)
        return Waiting(claimed, submission_id)

    return do


@pytest.fixture
def admin(make, auth_headers) -> Callable[[], dict[str, str]]:
    """admin(): the headers of a new admin."""
    return lambda: auth_headers(make(UserFactory, role="admin"))


def reject(client, headers, submission_id, code="missing_products"):
    response = client.post(
        f"/api/v1/submissions/{submission_id}/decision",
        json={"decision": "reject", "reason_code": code, "comment": "PAD-2 not in the photo."},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    return response


def appeal(client, waiting, message="PAD-2 is on the bottom shelf, left.", headers=None):
    return client.post(
        f"/api/v1/submissions/{waiting.submission_id}/appeal",
        json={"message": message},
        headers=headers or waiting.claimed.headers,
    )


def open_appeals(client, headers):
    response = client.get("/api/v1/appeals", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["items"]


def decide_appeal(client, headers, appeal_id, body):
    return client.post(f"/api/v1/appeals/{appeal_id}/decision", json=body, headers=headers)


def balance(db, worker_id):
    with db.transaction(write=False) as session:
        return ledger.balance(db_session=session, account=f"worker:{worker_id}", currency="EUR")
