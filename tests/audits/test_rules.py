"""The audits' pure rules: the setting, the verdict's needs, and agreement in figures."""

from __future__ import annotations

import pytest

from backend.audits.rules import AuditedSample, agreement, audit_problems
from backend.config import BadSetting
from backend.settings import defaults_with


def test_the_audit_sample_percent_is_a_share_from_0_to_100():
    assert defaults_with().audit_sample_percent == 2
    assert defaults_with(AUDIT_SAMPLE_PERCENT="0.5").audit_sample_percent == 0.5
    assert defaults_with(AUDIT_SAMPLE_PERCENT=100).audit_sample_percent == 100
    for bad in (101, -1, "two", "nan", True):
        with pytest.raises(BadSetting, match="FAIRFIELD_AUDIT_SAMPLE_PERCENT must be"):
            defaults_with(AUDIT_SAMPLE_PERCENT=bad)


@pytest.mark.parametrize(
    ("agree", "reason_code", "comment", "problems"),
    [
        (True, None, None, {}),
        (True, None, "Looks right.", {}),
        (False, "blurry_photo", None, {}),
        (False, "other", "The shelf is another brand's.", {}),
        (True, "blurry_photo", None, {"reason_code": ["Only a disagreement has a reason code."]}),
        (False, None, "No.", {"reason_code": ["A disagreement needs a reason code."]}),
        (
            False,
            "no_such",
            None,
            {
                "reason_code": [
                    "One of blurry_photo, wrong_store, "
                    "missing_products, reused_photo, outside_window, incomplete_answers, other."
                ]
            },
        ),
        (
            False,
            "other",
            "  ",
            {"comment": ["A disagreement for `other` reasons explains itself here."]},
        ),
        (True, None, "x" * 2001, {"comment": ["At most 2000 characters."]}),
    ],
)
def test_a_disagreement_names_a_reason_from_the_catalogue(agree, reason_code, comment, problems):
    assert audit_problems(agree, reason_code, comment) == problems


def sample(agree, checks, campaign=("c1", "Towels")):
    return AuditedSample(agree, checks, campaign[0], campaign[1])


def test_agreement_counts_audits_overall_by_check_present_and_by_campaign():
    soap = ("c2", "Soap")
    shown = agreement(
        [
            sample(True, ["location", "sharpness"]),
            sample(False, ["location", "sharpness", "exif_location"]),
            sample(True, ["location", "sharpness", "exif_location"]),
            sample(True, ["location"], soap),
        ]
    )
    assert shown["overall"] == {"reviewed": 4, "agreed": 3, "rate": 0.75}
    assert shown["by_check"] == [
        {"check": "exif_location", "reviewed": 2, "agreed": 1, "rate": 0.5},
        {"check": "location", "reviewed": 4, "agreed": 3, "rate": 0.75},
        {"check": "sharpness", "reviewed": 3, "agreed": 2, "rate": 2 / 3},
    ]
    assert shown["by_campaign"] == [
        {"campaign_id": "c2", "name": "Soap", "reviewed": 1, "agreed": 1, "rate": 1.0},
        {"campaign_id": "c1", "name": "Towels", "reviewed": 3, "agreed": 2, "rate": 2 / 3},
    ]


def test_a_check_named_twice_in_one_sample_counts_once():
    shown = agreement([sample(False, ["sharpness", "sharpness"])])
    assert shown["by_check"] == [{"check": "sharpness", "reviewed": 1, "agreed": 0, "rate": 0.0}]


def test_with_nothing_audited_every_rate_is_null():
    assert agreement([]) == {
        "overall": {"reviewed": 0, "agreed": 0, "rate": None},
        "by_check": [],
        "by_campaign": [],
    }
