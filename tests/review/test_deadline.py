"""The review deadline: what waits too long for a person is approved and paid."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.ledger import service as ledger
from backend.review.models import Appeal
from backend.settings import override_settings
from backend.submissions.models import Decision, Submission
from tests.support.review import appeal, reject
from workers.review import approve_overdue


def age(db, model, object_id, column, hours):
    with db.transaction() as session:
        row = session.get_one(model, object_id)
        session.execute(
            update(model)
            .where(model.id == object_id)
            .values({column: getattr(row, column) - timedelta(hours=hours)})
        )


def paid(db, worker_id):
    with db.transaction(write=False) as session:
        return ledger.balance(db_session=session, account=f"worker:{worker_id}", currency="EUR")


def test_a_submission_past_the_deadline_is_approved_and_paid_by_beat(app, db, in_review):
    overdue, fresh = in_review(), in_review()
    age(db, Submission, overdue.submission_id, "decided_at", 48.1)
    age(db, Submission, fresh.submission_id, "decided_at", 47.9)
    with app.app_context():
        assert approve_overdue.apply().get() == 1
        assert approve_overdue.apply().get() == 0  # nothing twice
    assert paid(db, overdue.claimed.worker.id) == 600
    assert paid(db, fresh.claimed.worker.id) == 0
    with db.transaction(write=False) as session:
        assert session.get_one(Submission, overdue.submission_id).status == "approved"
        assert session.get_one(Submission, fresh.submission_id).status == "in_review"
        decision = session.scalars(
            select(Decision).where(
                Decision.submission_id == overdue.submission_id, Decision.actor == "deadline"
            )
        ).one()
        assert decision.status == "approved"
        assert decision.evidence["sla_hours"] == 48


def test_an_appeal_nobody_decides_is_granted(app, client, db, in_review, admin):
    waiting = in_review()
    reject(client, admin(), waiting.submission_id)
    appeal_id = appeal(client, waiting).json["id"]
    age(db, Appeal, appeal_id, "created_at", 49)
    with app.app_context():
        assert approve_overdue.apply().get() == 1
    assert paid(db, waiting.claimed.worker.id) == 600
    with db.transaction(write=False) as session:
        assert session.get_one(Appeal, appeal_id).status == "approved"
        assert session.get_one(Submission, waiting.submission_id).status == "approved"


def test_the_deadline_follows_the_setting(app, db, in_review):
    waiting = in_review()
    age(db, Submission, waiting.submission_id, "decided_at", 3)
    override_settings(app, REVIEW_SLA_HOURS=2)
    with app.app_context():
        assert approve_overdue.apply().get() == 1
    assert paid(db, waiting.claimed.worker.id) == 600


def test_two_deadline_sweeps_at_once_pay_once(app, db, in_review, backend_name):
    """Two beats (or a beat and a late copy) sweeping at the same moment: one approves and
    pays, the other finds the submission decided."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    if backend_name == "sqlite":
        pytest.skip("SQLite runs writers one at a time: the sweeps cannot overlap")
    overdue = in_review()
    age(db, Submission, overdue.submission_id, "decided_at", 48.1)
    barrier = Barrier(2)

    def sweep():
        with app.app_context():
            barrier.wait()
            return approve_overdue.apply(throw=True).get()

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda _: sweep(), range(2)))
    assert sorted(done) == [0, 1]
    assert paid(db, overdue.claimed.worker.id) == 600
    with db.transaction(write=False) as session:
        decisions = session.scalars(
            select(Decision).where(
                Decision.submission_id == overdue.submission_id, Decision.actor == "deadline"
            )
        ).all()
    assert len(decisions) == 1
