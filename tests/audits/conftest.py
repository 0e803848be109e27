"""Machine approvals drawn (or not) for the audit sample, and admins to audit them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from backend.settings import override_settings
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import Claimed, submit, validate_now


@dataclass
class Validated:
    claimed: Claimed
    submission_id: str


@pytest.fixture
def validated(app, client, db, claim) -> Callable[..., Validated]:
    """validated(percent=100, review_required=False): a submission the machine decided while
    FAIRFIELD_AUDIT_SAMPLE_PERCENT was `percent` (honest evidence: the machine approves)."""
    seeds = iter(range(3000, 10_000))

    def do(percent: float = 100, review_required: bool = False, worker: Any = None) -> Validated:
        claimed = claim(worker=worker, review_required=review_required)
        response = submit(client, claimed, [jpeg(shelf(seed=next(seeds)))])
        assert response.status_code == 202, response.json
        submission_id = response.json["submission_id"]
        override_settings(app, AUDIT_SAMPLE_PERCENT=percent)
        validate_now(app, db, submission_id)
        return Validated(claimed, submission_id)

    return do


@pytest.fixture
def admin(make, auth_headers) -> Callable[..., tuple[Any, dict[str, str]]]:
    """admin(name): a new admin and their headers."""

    def do(name: str = "Bea Admin") -> tuple[Any, dict[str, str]]:
        user = make(UserFactory, role="admin", display_name=name)
        return user, auth_headers(user)

    return do
