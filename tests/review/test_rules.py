"""Review rules without a database: reasons, comments, deadlines, what counts as doubted."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from backend.review import rules
from backend.submissions.rules import is_flagged

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def test_an_approval_needs_nothing_more():
    assert rules.decision_problems("approve", None, None) == {}
    assert rules.decision_problems("approve", None, "Nice shelf") == {}


@pytest.mark.parametrize("code", sorted(set(rules.REASON_CODES) - {"other"}))
def test_a_rejection_with_a_catalogued_reason_may_go_without_comment(code):
    assert rules.decision_problems("reject", code, None) == {}


@pytest.mark.parametrize(
    ("decision", "code", "comment", "field"),
    [
        ("reject", None, "bad", "reason_code"),
        ("reject", "", None, "reason_code"),
        ("reject", "looks_fake", None, "reason_code"),
        ("reject", "other", None, "comment"),
        ("reject", "other", "   ", "comment"),
        ("approve", "blurry_photo", None, "reason_code"),
        ("reject", "blurry_photo", "x" * 2001, "comment"),
        ("maybe", None, None, "decision"),
    ],
)
def test_what_cannot_be_recorded_names_its_field(decision, code, comment, field):
    assert list(rules.decision_problems(decision, code, comment)) == [field]


def test_other_with_an_explanation_is_a_reason():
    assert rules.decision_problems("reject", "other", "Shelf of a different brand") == {}


def test_deadlines():
    assert rules.review_deadline(T0, 48) == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert rules.appeal_deadline(T0, 7) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_campaign_routing_to_review_is_not_a_doubt():
    assert not is_flagged([])
    assert not is_flagged(["campaign_requires_review"])
    assert is_flagged(["location"])
    assert is_flagged(["campaign_requires_review", "similar_photo"])
    assert rules.outcome("approve") == "approved"
    assert rules.outcome("reject") == "rejected"


@pytest.mark.parametrize(
    ("approved", "rejected", "level"),
    [
        (0, 0, "new"),
        (9, 0, "new"),  # fewer than ten decided: too little to go on
        (5, 4, "new"),
        (10, 0, "regular"),
        (49, 0, "regular"),  # spotless, but not yet fifty approved
        (50, 0, "experienced"),
        (95, 5, "experienced"),  # 5 % rejected: still experienced
        (94, 6, "regular"),  # 6 %: not
        (0, 40, "regular"),
    ],
)
def test_a_worker_s_level_comes_from_their_two_counts_alone(approved, rejected, level):
    assert rules.worker_level(approved, rejected) == level
    assert level in rules.WORKER_LEVELS


def test_who_decided_reads_as_a_sentence():
    assert rules.decided_sentence("approved", "admin", "Bea Admin", T0) == (
        "Approved by Bea Admin at 2026-11-24 09:00 UTC."
    )
    assert rules.decided_sentence("approved", "deadline", None, T0).startswith(
        "Approved automatically at 2026-11-24 09:00 UTC"
    )
    assert rules.decided_sentence("rejected", "machine", None, T0) == (
        "Rejected automatically by the checks at 2026-11-24 09:00 UTC."
    )
    assert rules.lease_held_sentence("Bea Admin", rules.lease_expiry(T0, 120)) == (
        "Bea Admin is reviewing this submission (lease until 09:02:00 UTC)."
    )


def test_queue_counts_keep_the_other_filters_for_each_choice() -> None:
    """Each choice counts what choosing it would list: the other filters stay in force."""
    a, b = ("b1", "Acme"), ("b2", "Bolt")
    towels, soap = ("c1", "Towels"), ("c2", "Soap")
    waiting = [
        rules.Waiting(flags=("location",), doubted=True, brand=a, campaign=towels),
        rules.Waiting(flags=("location", "similar_photo"), doubted=True, brand=a, campaign=soap),
        rules.Waiting(flags=("campaign_requires_review",), doubted=False, brand=b, campaign=soap),
    ]
    everything = rules.queue_counts(waiting, campaign_id=None, brand_id=None, flag=None)
    assert everything == {
        "total": 3,
        "flagged": 2,
        "by_flag": {"campaign_requires_review": 1, "location": 2, "similar_photo": 1},
        "by_brand": [
            {"id": "b1", "name": "Acme", "count": 2},
            {"id": "b2", "name": "Bolt", "count": 1},
        ],
        "by_campaign": [
            {"id": "c2", "name": "Soap", "count": 2},
            {"id": "c1", "name": "Towels", "count": 1},
        ],
    }
    soap_located = rules.queue_counts(waiting, campaign_id="c2", brand_id=None, flag="location")
    assert (soap_located["total"], soap_located["flagged"]) == (1, 1)
    assert soap_located["by_flag"] == {
        "campaign_requires_review": 1,
        "location": 1,
        "similar_photo": 1,
    }
    assert soap_located["by_brand"] == [{"id": "b1", "name": "Acme", "count": 1}]
    assert soap_located["by_campaign"] == [
        {"id": "c2", "name": "Soap", "count": 1},
        {"id": "c1", "name": "Towels", "count": 1},
    ]


def test_queue_counts_weigh_alike_submissions_counted_together() -> None:
    """The database counts alike submissions in one row: three alike weigh as three."""
    a, towels = ("b1", "Acme"), ("c1", "Towels")
    one = rules.Waiting(flags=("location", "exif"), doubted=True, brand=a, campaign=towels)
    other = rules.Waiting(flags=(), doubted=False, brand=a, campaign=towels)
    grouped = [replace(one, count=3), replace(other, count=2)]
    spelled_out = [one, one, one, other, other]
    for flag in (None, "location"):
        assert rules.queue_counts(
            grouped, campaign_id=None, brand_id=None, flag=flag
        ) == rules.queue_counts(spelled_out, campaign_id=None, brand_id=None, flag=flag)
    counted = rules.queue_counts(grouped, campaign_id=None, brand_id=None, flag=None)
    assert (counted["total"], counted["flagged"]) == (5, 3)
    assert counted["by_flag"] == {"exif": 3, "location": 3}
    assert counted["by_brand"] == [{"id": "b1", "name": "Acme", "count": 5}]
