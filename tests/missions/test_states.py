"""Mission.status moves only as missions.states lists, one conditional UPDATE per move."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select, update

from backend.missions import states
from backend.missions.models import MISSION_STATUSES, Mission
from tests.support.factories import BrandFactory
from tests.support.statements import statements
from tests.support.world import build

PAIRS = list(itertools.product(MISSION_STATUSES, repeat=2))


@pytest.fixture
def mission(db, make) -> str:
    _, (mission_id,) = build(db, make(BrandFactory).id, [(50.85, 4.35)])
    # No show-up pay yet: the moves below write one, and the tests see whether they did.
    with db.transaction() as session:
        session.execute(update(Mission).values(show_up_minor=None))
    return mission_id


def put(db: Any, mission_id: str, status: str) -> None:
    """Set a mission's status behind the states' back, as a test's starting point."""
    with db.transaction() as session:
        session.execute(update(Mission).where(Mission.id == mission_id).values(status=status))


def status_of(db: Any, mission_id: str) -> tuple[str, int | None]:
    with db.transaction(write=False) as session:
        row = session.execute(
            select(Mission.status, Mission.show_up_minor).where(Mission.id == mission_id)
        ).one()
        return row.status, row.show_up_minor


def test_every_listed_move_moves_a_mission_and_every_other_is_refused_unsent(db, mission):
    assert set(PAIRS) >= states.TRANSITIONS
    for source, target in PAIRS:
        put(db, mission, source)
        with db.transaction() as session, statements(db) as sent:
            if (source, target) in states.TRANSITIONS:
                moved = states.move(
                    session,
                    mission_id=mission,
                    froms=(source,),
                    to=target,
                    values={"show_up_minor": 123},
                )
                assert moved, (source, target)
            else:
                with pytest.raises(ValueError, match="does not move"):
                    states.move(session, mission_id=mission, froms=(source,), to=target)
                with pytest.raises(ValueError, match="does not move"):
                    states.move_all(
                        session, where=[Mission.id == mission], froms=(source,), to=target
                    )
                assert sent == [], (source, target)  # refused before the database
        expected = (target, 123) if (source, target) in states.TRANSITIONS else (source, None)
        assert status_of(db, mission) == expected, (source, target)
        put(db, mission, "open")
        with db.transaction() as session:
            session.execute(update(Mission).values(show_up_minor=None))


def test_a_move_that_lost_the_race_returns_false_and_writes_nothing(db, mission):
    for source, target in sorted(states.TRANSITIONS):
        elsewhere = next(s for s in MISSION_STATUSES if s != source)
        put(db, mission, elsewhere)  # another writer moved it first
        with db.transaction() as session:
            moved = states.move(
                session,
                mission_id=mission,
                froms=(source,),
                to=target,
                values={"show_up_minor": 123},
            )
        assert moved is False, (source, target)
        assert status_of(db, mission) == (elsewhere, None), (source, target)


def test_a_move_from_anywhere_allowed_is_the_default(db, mission):
    assert states.froms_of("open") == ("draft", "claimed", "submitted", "store_closed")
    assert states.froms_of("draft") == ()
    for source in ("claimed", "store_closed"):
        put(db, mission, source)
        with db.transaction() as session:
            assert states.move(session, mission_id=mission, to="open")
    with db.transaction() as session, pytest.raises(ValueError, match="does not move"):
        states.move(session, mission_id=mission, to="draft")  # nothing moves back to draft


def test_a_bulk_move_counts_what_moved(db, make):
    campaign_id, missions = build(db, make(BrandFactory).id, [(50.85, 4.35)] * 3)
    put(db, missions[0], "claimed")
    with db.transaction() as session:
        cancelled = states.move_all(
            session,
            where=[Mission.campaign_id == campaign_id],
            froms=("draft", "open"),
            to="cancelled",
        )
    assert cancelled == 2
    assert [status_of(db, m)[0] for m in missions] == ["claimed", "cancelled", "cancelled"]
    with db.transaction() as session, pytest.raises(ValueError, match="never meant"):
        states.move_all(session, where=[], to="cancelled")


def test_the_status_is_the_move_s_never_one_of_its_values(db, mission):
    with db.transaction() as session, pytest.raises(ValueError, match="not one of `values`"):
        states.move(
            session, mission_id=mission, froms=("open",), to="claimed", values={"status": "x"}
        )
    with pytest.raises(ValueError, match="does not move"):
        states.statement(to="open", froms=("completed",))


def test_a_new_mission_starts_as_a_draft_or_open(db, mission):
    row = {"campaign_id": "c", "store_id": "s", "brand_id": "b"}
    with db.transaction() as session, statements(db) as sent:
        for status in set(MISSION_STATUSES) - states.INITIAL:
            with pytest.raises(ValueError, match="does not start as"):
                states.insert_new(session, rows=[row], status=status)
        with pytest.raises(ValueError, match="not a column"):
            states.insert_new(session, rows=[{**row, "status": "open"}], status="draft")
        assert sent == []
    assert {"draft", "open"} == states.INITIAL
