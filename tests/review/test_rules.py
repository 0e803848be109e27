"""Review rules without a database: reasons, comments, deadlines, what counts as doubted."""

from __future__ import annotations

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
