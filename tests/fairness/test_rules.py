"""Pure fairness arithmetic, without a database: percentiles, bins, rates, floor."""

from __future__ import annotations

from collections import Counter

import pytest

from backend.config import BadSetting
from backend.fairness import rules
from backend.kernel.money import Money
from backend.settings import defaults_with

SETTINGS = rules.FairnessSettings(floor=Money(1200, "EUR"), allowance_minutes=15)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.9, 7),
        ([3, 1, 2], 0.5, 2),
        ([1, 2, 3, 4], 0.5, 2.5),
        ([10, 20, 30, 40, 50], 0.1, 14.0),
        ([10, 20, 30, 40, 50], 0.9, 46.0),
        ([10, 20], 0.0, 10),
        ([10, 20], 1.0, 20),
    ],
)
def test_percentile_interpolates_between_ranks(values, q, expected):
    assert rules.percentile(values, q) == pytest.approx(expected)


def test_hourly_pay_counts_the_travel_allowance_and_rounds_down():
    assert rules.hourly_pay(paid_minor=600, est_minutes=15, allowance_minutes=15) == 1200
    assert rules.hourly_pay(paid_minor=300, est_minutes=20, allowance_minutes=15) == 514
    assert rules.hourly_pay(paid_minor=100, est_minutes=0, allowance_minutes=0) == 6000


def test_histogram_bins_from_zero_and_opens_the_last_bin_past_the_cap():
    assert rules.histogram([]) == []
    assert rules.histogram([0, 199, 200, 450], width=200) == [
        {"from_minor": 0, "to_minor": 200, "count": 2},
        {"from_minor": 200, "to_minor": 400, "count": 1},
        {"from_minor": 400, "to_minor": 600, "count": 1},
    ]
    capped = rules.histogram([50, 1000], width=100, max_bins=3)
    assert capped[-1] == {"from_minor": 200, "to_minor": None, "count": 1}
    assert sum(b["count"] for b in capped) == 2


def test_rates_count_final_statuses_and_decided_appeals():
    rates = rules.campaign_rates(
        Counter(approved=3, rejected=1, appealed=1, in_review=2),
        Counter(approved=1, rejected=2, open=1),
    )
    assert rates == {
        "submissions": 7,
        "decided": 4,
        "rejected": 1,
        "rejection_rate": 0.25,
        "appeals_decided": 3,
        "appeals_approved": 1,
        "reversal_rate": pytest.approx(1 / 3),
    }
    empty = rules.campaign_rates({}, {})
    assert empty["rejection_rate"] is None
    assert empty["reversal_rate"] is None


def test_floor_share_compares_reward_and_bonus_per_active_hour():
    figures = rules.floor_figures(
        [
            (600, "EUR", 15, 4),  # exactly 12.00 per hour: not below
            (599, "EUR", 15, 1),  # 11.98
            (300, "EUR", 20, 3),  # 5.14
            (900, "USD", 15, 2),  # another currency: not compared
        ],
        SETTINGS,
    )
    assert figures == {"missions": 8, "below_floor": 4, "share": 0.5, "other_currency": 2}


def test_pay_figures_round_to_minor_units_and_count_under_the_floor():
    figures = rules.pay_figures([1000, 1201], SETTINGS)
    assert figures["median"] == {"amount_minor": 1101, "currency": "EUR"}  # 1100.5, half up
    assert figures["below_floor"] == 1
    assert rules.pay_figures([], SETTINGS)["p90"] is None


def test_delay_figures_and_expand():
    assert rules.expand([(5, 2), (9, 1), (1, 0)]) == [5, 5, 9]
    assert rules.delay_figures([60.0, 180.0]) == {
        "count": 2,
        "median_seconds": 120.0,
        "p90_seconds": pytest.approx(168.0),
    }


def test_settings_parse_the_floor_and_refuse_nonsense():
    settings = rules.settings_from(defaults_with())
    assert settings == rules.FairnessSettings(floor=Money(1200, "EUR"), allowance_minutes=15)
    with pytest.raises(BadSetting, match="FAIRFIELD_MIN_HOURLY"):
        defaults_with(MIN_HOURLY="twelve")
    with pytest.raises(BadSetting, match="FAIRFIELD_TRAVEL_ALLOWANCE_MINUTES"):
        defaults_with(TRAVEL_ALLOWANCE_MINUTES=-1)
