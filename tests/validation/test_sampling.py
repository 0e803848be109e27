"""The audit sample's draw, a pure rule: a share of approvals, and what it keeps of them."""

from __future__ import annotations

import pytest

from backend.validation.sampling import in_sample, passed_checks


@pytest.mark.parametrize(
    ("draw", "percent", "drawn"),
    [
        (0.0, 0, False),  # 0 %: nothing, not even the lowest draw
        (0.0, 2, True),
        (0.0199, 2, True),
        (0.02, 2, False),
        (0.5, 2.5, False),
        (0.024, 2.5, True),
        (0.9999, 100, True),  # 100 %: everything
    ],
)
def test_a_draw_falls_in_the_sample_below_its_percent(draw, percent, drawn):
    assert in_sample(draw, percent) is drawn


def test_a_check_counts_as_passed_once_when_it_passed_on_every_photo():
    checks = [
        {"name": "sharpness", "passed": True},
        {"name": "sharpness", "passed": True},
        {"name": "exposure", "passed": True},
        {"name": "exposure", "passed": False},
        {"name": "location", "passed": True},
    ]
    assert passed_checks(checks) == ["location", "sharpness"]
