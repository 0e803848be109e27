"""The pure rules of recurring campaigns: which round the clock says runs, and the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.campaigns import round_rules

PUBLISHED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("after", "due"),
    [
        (timedelta(0), 1),
        (timedelta(days=7) - SECOND, 1),
        (timedelta(days=7), 2),  # published_at + 1 * 7 days <= now: round 2
        (timedelta(days=14) - SECOND, 2),
        (timedelta(days=21), 4),  # a sweep that missed one opens the round of now
        (-timedelta(days=1), 1),
    ],
)
def test_the_round_due_follows_the_clock_from_publishing(after, due):
    assert round_rules.due_round(published_at=PUBLISHED, every_days=7, now=PUBLISHED + after) == due


def test_round_n_opens_n_minus_one_periods_after_publishing():
    assert round_rules.round_opens_at(published_at=PUBLISHED, every_days=7, round_no=1) == PUBLISHED
    assert round_rules.round_opens_at(
        published_at=PUBLISHED, every_days=3, round_no=3
    ) == PUBLISHED + timedelta(days=6)


@pytest.mark.parametrize(
    ("schedule", "errors"),
    [
        (None, {}),
        ({"every_days": 1}, {}),
        ({"every_days": 365}, {}),
        ({"every_days": 0}, {"schedule.every_days": ["Must be between 1 and 365."]}),
        ({"every_days": 366}, {"schedule.every_days": ["Must be between 1 and 365."]}),
        ({"every_days": True}, {"schedule.every_days": ["Must be a whole number of days."]}),
        ({}, {"schedule.every_days": ["Must be a whole number of days."]}),
    ],
)
def test_a_schedule_is_whole_days_from_1_to_365(schedule, errors):
    assert round_rules.schedule_problems(schedule) == errors


def test_a_rounds_missions_read_in_five_states():
    counts = {"open": 2, "claimed": 1, "completed": 3, "store_closed": 1, "cancelled": 4}
    assert round_rules.missions_by_state(counts) == {
        "open": 2,
        "claimed": 1,
        "submitted": 0,
        "approved": 4,
        "closed": 4,
    }
