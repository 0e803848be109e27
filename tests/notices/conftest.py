"""Workers with submissions a person decides, admins, and the mail their acts queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import Claimed, submit, validate_now


@dataclass
class Waiting:
    claimed: Claimed
    submission_id: str


@pytest.fixture
def in_review(app, client, db, claim) -> Callable[..., Waiting]:
    """in_review(worker=None): a validated submission its campaign sends to a person."""
    seeds = iter(range(900, 10_000))

    def do(worker: Any = None, review_required: bool = True) -> Waiting:
        claimed = claim(worker=worker, review_required=review_required)
        response = submit(client, claimed, [jpeg(shelf(seed=next(seeds)))])
        assert response.status_code == 202, response.json
        submission_id = response.json["submission_id"]
        validate_now(app, db, submission_id)
        return Waiting(claimed, submission_id)

    return do


@pytest.fixture
def admin(make, auth_headers) -> Callable[[], dict[str, str]]:
    """admin(): the headers of a new admin."""
    return lambda: auth_headers(make(UserFactory, role="admin"))
