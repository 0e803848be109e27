"""Submission.status moves only as submissions.states lists, one conditional UPDATE per move."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.kernel.clock import utcnow
from backend.submissions import decisions, states
from backend.submissions.models import SUBMISSION_STATUSES, Decision, Submission
from tests.support.factories import BrandFactory, UserFactory
from tests.support.statements import statements
from tests.support.world import build, insert_submission

PAIRS = list(itertools.product(SUBMISSION_STATUSES, repeat=2))


@pytest.fixture
def submission(db, make) -> str:
    brand = make(BrandFactory)
    _, (mission_id,) = build(db, brand.id, [(50.85, 4.35)])
    submission_id, _photos = insert_submission(
        db,
        mission_id=mission_id,
        worker_id=make(UserFactory).id,
        brand_id=brand.id,
        captured_at=utcnow(),
    )
    return submission_id


def put(db: Any, submission_id: str, status: str) -> None:
    """Set a submission's status behind the states' back, as a test's starting point."""
    with db.transaction() as session:
        session.execute(
            update(Submission)
            .where(Submission.id == submission_id)
            .values(status=status, review_rank=1)
        )


def status_of(db: Any, submission_id: str) -> tuple[str, int]:
    with db.transaction(write=False) as session:
        row = session.execute(
            select(Submission.status, Submission.review_rank).where(Submission.id == submission_id)
        ).one()
        return row.status, row.review_rank


def test_every_listed_move_moves_a_submission_and_every_other_is_refused_unsent(db, submission):
    assert set(PAIRS) >= states.TRANSITIONS
    for source, target in PAIRS:
        put(db, submission, source)
        allowed = (source, target) in states.TRANSITIONS
        with db.transaction() as session, statements(db) as sent:
            if allowed:
                assert states.move(
                    session,
                    submission_id=submission,
                    froms=(source,),
                    to=target,
                    values={"review_rank": 0},
                ), (source, target)
            else:
                with pytest.raises(ValueError, match="does not move"):
                    states.move(session, submission_id=submission, froms=(source,), to=target)
                assert sent == [], (source, target)  # refused before the database
        expected = (target, 0) if allowed else (source, 1)
        assert status_of(db, submission) == expected, (source, target)


def test_a_move_that_lost_the_race_returns_false_and_writes_nothing(db, submission):
    for source, target in sorted(states.TRANSITIONS):
        elsewhere = next(s for s in SUBMISSION_STATUSES if s != source)
        put(db, submission, elsewhere)  # another decider moved it first
        with db.transaction() as session:
            moved = states.move(
                session,
                submission_id=submission,
                froms=(source,),
                to=target,
                values={"review_rank": 0},
            )
        assert moved is False, (source, target)
        assert status_of(db, submission) == (elsewhere, 1), (source, target)


def test_a_decision_that_lost_the_race_records_nothing(db, submission):
    put(db, submission, "approved")  # decided meanwhile
    verdict = decisions.Verdict(status="rejected", actor="admin", reasons=["blurry_photo"])
    with db.transaction() as session:
        decided = decisions.decide(
            db_session=session,
            submission_id=submission,
            verdict=verdict,
            now=utcnow(),
            from_statuses=("in_review",),
        )
    assert decided is False
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Decision)) == 0
    assert status_of(db, submission) == ("approved", 1)
    with db.transaction() as session, pytest.raises(ValueError, match="does not move"):
        decisions.decide(  # approving twice is no move at all
            db_session=session,
            submission_id=submission,
            verdict=decisions.Verdict(status="approved", actor="admin"),
            now=utcnow(),
            from_statuses=("approved",),
        )


def test_the_default_is_every_status_the_move_may_follow():
    assert states.froms_of("approved") == ("validating", "in_review", "appealed")
    assert states.froms_of("uploading") == ()


def test_a_new_submission_starts_uploading_or_received():
    assert {"uploading", "received"} == states.INITIAL
    assert states.new(status="uploading", outcome="completed").status == "uploading"
    for status in set(SUBMISSION_STATUSES) - states.INITIAL:
        with pytest.raises(ValueError, match="does not start as"):
            states.new(status=status, outcome="completed")
