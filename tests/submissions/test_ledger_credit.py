"""A submission is credited at most once, by the schema itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backend.ledger import rules, service
from backend.ledger.models import LedgerTransaction
from backend.submissions import settlement
from tests.support.photos import jpeg, shelf
from tests.support.submitting import submit

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


def balance(db, account):
    with db.transaction(write=False) as session:
        return service.balance(db_session=session, account=account, currency="EUR")


def test_an_approved_submission_pays_its_reward_to_the_worker_once(app, client, db, claim):
    from tests.support.submitting import validate_now

    claimed = claim()
    submission_id = submit(client, claimed, [jpeg(shelf(seed=70))]).json["submission_id"]
    validate_now(app, db, submission_id)
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
    assert shown["status"] == "approved"
    assert balance(db, f"worker:{claimed.worker.id}") == 600
    with db.transaction() as session:
        again = settlement.credit_approved(db_session=session, submission_id=submission_id, now=NOW)
    assert again is False
    assert balance(db, f"worker:{claimed.worker.id}") == 600


def test_a_submission_sent_to_review_pays_nothing_yet(app, client, db, claim):
    from tests.support.submitting import BRUSSELS, honest_payload, validate_now

    claimed = claim()
    far = honest_payload(latitude=BRUSSELS[0] + 0.027)
    submission_id = submit(client, claimed, [jpeg(shelf(seed=71))], far).json["submission_id"]
    validate_now(app, db, submission_id)
    assert balance(db, f"worker:{claimed.worker.id}") == 0
