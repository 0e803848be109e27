"""The console's page tests: a desk of submissions to review (the browser is a shared fixture)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.console import Desk, in_review, submit_for_review
from tests.support.factories import UserFactory
from tests.support.processes import wait_until


@pytest.fixture
def desk(gunicorn: str, client: Any, db: Any, make: Any, claim: Any, start_worker: Any) -> Desk:
    """The console under gunicorn with two flagged submissions (3 km from the store) and one
    a campaign sends to a person, all validated by a real Celery worker; an admin to review."""
    start_worker()
    flagged = [submit_for_review(client, claim, far=True, seed=seed) for seed in (1, 2)]
    plain = [submit_for_review(client, claim, far=False, seed=3)]
    wait_until(lambda: in_review(db, flagged + plain), 90, "the worker to validate them")
    admin = make(UserFactory, admin=True, display_name="Ada Reviewer")
    return Desk(gunicorn.removesuffix("/api/v1"), admin, flagged, plain)
