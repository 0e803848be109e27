"""A submission is credited at most once, by the schema itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.ledger import rules, service
from backend.ledger.models import LedgerTransaction
from tests.photos import jpeg, shelf
from tests.submissions.conftest import submit

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def post(db, kind, entries, **kwargs):
    with db.transaction() as session:
        return service.post(db_session=session, kind=kind, entries=entries, now=NOW, **kwargs)


def test_a_submission_is_credited_once_in_the_schema(db, app, client, claim):
    submission_id = submit(client, claim(), [jpeg(shelf())]).json["submission_id"]
    entries = rules.approval(campaign_id="c", worker_id="w", reward_minor=600, currency="EUR")
    post(db, "submission_credit", entries, submission_id=submission_id)
    with pytest.raises(IntegrityError):
        post(db, "submission_credit", entries, submission_id=submission_id)
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == 1
