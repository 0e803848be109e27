"""Pure validation rules: answers, and the decision the checks add up to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.config import BadSetting
from backend.settings import defaults_with
from backend.validation.photos import Check
from backend.validation.rules import answer_checks, capture_window_check, decide
from backend.validation.service import settings_from

SKUS = ["A1", "B2"]


def failing(checks):
    return {check.name: check.detail for check in checks if not check.passed}


def test_complete_consistent_answers_pass():
    answers = [
        {"sku": "A1", "count": 12, "out_of_stock": False},
        {"sku": "B2", "count": 0, "out_of_stock": True},
    ]
    assert failing(answer_checks(answers, skus=SKUS, photos_sent=2, photos_required=2)) == {}


def test_each_answer_problem_is_named_with_its_skus():
    answers = [
        {"sku": "A1", "count": 12, "out_of_stock": True},
        {"sku": "A1", "count": -3, "out_of_stock": False},
        {"sku": "ZZ", "count": 10_001, "out_of_stock": False},
        {"sku": "ZZ", "count": True, "out_of_stock": False},
    ]
    problems = failing(answer_checks(answers, skus=SKUS, photos_sent=1, photos_required=2))
    assert problems["answers_complete"] == {
        "missing": ["B2"],
        "unknown": ["ZZ"],
        "repeated": ["A1", "ZZ"],
    }
    assert problems["counts_plausible"]["skus"] == ["A1", "ZZ", "ZZ"]
    assert problems["out_of_stock_consistent"] == {"skus": ["A1"]}
    assert problems["photos_required"] == {"sent": 1, "required": 2}


def test_a_closed_store_needs_no_answers_and_one_storefront_photo():
    closed = answer_checks([], skus=SKUS, photos_sent=1, photos_required=3, outcome="store_closed")
    assert failing(closed) == {}
    (complete,) = [c for c in closed if c.name == "answers_complete"]
    assert complete.detail == {"required": False, "outcome": "store_closed"}
    assert [c.detail for c in closed if c.name == "photos_required"] == [{"sent": 1, "required": 1}]
    nothing = answer_checks([], skus=SKUS, photos_sent=0, photos_required=3, outcome="store_closed")
    assert failing(nothing) == {"photos_required": {"sent": 0, "required": 1}}
    # The same empty answers for an open store are incomplete.
    open_store = failing(answer_checks([], skus=SKUS, photos_sent=3, photos_required=3))
    assert open_store["answers_complete"]["missing"] == SKUS


def check(name, passed, hard=False):
    return Check(name, passed, {}, hard=hard)


GOOD_PHOTO = [check("format", True, hard=True), check("sharpness", True)]
BLURRED = [check("format", True, hard=True), check("sharpness", False)]
NOT_A_PHOTO = [check("format", False, hard=True)]


def test_everything_passing_is_approved_unless_the_campaign_wants_a_human():
    assert decide([GOOD_PHOTO], [check("location", True)]).status == "approved"
    review = decide([GOOD_PHOTO], [], review_required=True)
    assert (review.status, review.flags) == ("in_review", ["campaign_requires_review"])


def test_a_soft_doubt_goes_to_review_never_to_rejection():
    decision = decide([BLURRED, GOOD_PHOTO], [check("location", False)])
    assert (decision.status, decision.flags, decision.reasons) == (
        "in_review",
        ["location", "sharpness"],
        [],
    )


def test_hard_evidence_rejects_with_its_reasons():
    no_photo = decide([NOT_A_PHOTO], [check("location", True)])
    assert (no_photo.status, no_photo.reasons) == ("rejected", ["no_usable_photo"])
    reused = decide([GOOD_PHOTO], [check("photo_reused", False, hard=True)])
    assert (reused.status, reused.reasons) == ("rejected", ["photo_reused"])
    # An unusable photo beside a usable one is not a rejection, but a human looks.
    mixed = decide([NOT_A_PHOTO, GOOD_PHOTO], [])
    assert (mixed.status, mixed.flags) == ("in_review", ["unusable_photo"])


CLAIM = (
    datetime(2026, 11, 23, 11, 2, 55, 838000, tzinfo=UTC),
    datetime(2026, 11, 23, 12, 2, 55, tzinfo=UTC),
)


def test_the_capture_time_gets_the_same_clock_drift_margin():
    drift = timedelta(minutes=5)
    start, end = CLAIM
    inside = capture_window_check(start - timedelta(minutes=4), window=CLAIM, clock_drift=drift)
    assert inside.passed
    assert inside.detail["clock_drift_minutes"] == 5
    assert capture_window_check(end + timedelta(minutes=4), window=CLAIM, clock_drift=drift).passed
    for outside in (start - timedelta(minutes=6), end + timedelta(minutes=6)):
        assert not capture_window_check(outside, window=CLAIM, clock_drift=drift).passed
    wider = timedelta(minutes=10)
    assert capture_window_check(
        start - timedelta(minutes=6), window=CLAIM, clock_drift=wider
    ).passed


def test_the_clock_drift_setting_is_minutes_and_refused_when_malformed():
    assert settings_from(defaults_with()).clock_drift == timedelta(minutes=5)
    drift = settings_from(defaults_with(EXIF_CLOCK_DRIFT_MINUTES="2.5")).clock_drift
    assert drift == timedelta(seconds=150)
    for bad in ("-1", "five", "nan", 24 * 60):
        with pytest.raises(BadSetting, match="FAIRFIELD_EXIF_CLOCK_DRIFT_MINUTES"):
            defaults_with(EXIF_CLOCK_DRIFT_MINUTES=bad)
