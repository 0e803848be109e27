"""The fairness chart, read as a person reads it: units that fit, plurals, whole names."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from backend.fairness import chart, rules
from backend.kernel.money import Money

SETTINGS = rules.FairnessSettings(floor=Money(1200, "EUR"), allowance_minutes=15)
MINUTE, HOUR, DAY = 60.0, 3600.0, 86_400.0
LONG_NAME = (
    "Spring facings audit of the hazelnut spreads and breakfast cereals aisle in every "
    "Brussels, Antwerp and Ghent hypermarket, second wave, with the new planogram checks "
    "and price labels of the promotional end caps"
)


def report(**changes: Any) -> dict[str, Any]:
    empty = {
        "window": {"days": 90},
        "floor": {"amount_minor": 1200, "currency": "EUR"},
        "travel_allowance_minutes": 15,
        "hourly_pay": rules.pay_figures([], SETTINGS) | {"approved": 0, "store_closed": 0},
        "time_to_decision": rules.delay_figures([]),
        "time_to_payout": rules.delay_figures([]),
        "campaigns": [],
    }
    return empty | changes


def campaign(name: str, approved: int = 3, rejected: int = 1, **appeals: int) -> dict[str, Any]:
    rates = rules.campaign_rates(Counter(approved=approved, rejected=rejected), Counter(appeals))
    return {"campaign_id": name, "name": name, "brand_id": "b", **rates}


@pytest.mark.parametrize(
    ("durations", "unit"),
    [
        ([20.0, 45.0], "seconds"),
        ([30.0, 3 * MINUTE], "minutes"),
        ([0.5 * HOUR, HOUR], "minutes"),  # 60 minutes reads better than 1.0 hours
        ([None, 90 * MINUTE], "minutes"),
        ([3.5 * HOUR, 6.6 * HOUR], "hours"),
        ([47 * HOUR], "hours"),  # not 1.96 days
        ([3 * DAY, 3.8 * DAY], "days"),
        ([None, None], "hours"),
        ([], "hours"),
    ],
)
def test_the_time_unit_fits_the_longest_duration(durations, unit):
    assert chart.time_unit(durations).name == unit


def test_plurals_are_correct():
    assert chart.plural(1, "payout") == "1 payout"
    assert chart.plural(0, "payout") == "0 payouts"
    assert chart.plural(2, "decision") == "2 decisions"
    assert chart.plural(1, "busy campaign") == "1 busy campaign"


def test_a_long_name_wraps_on_words_and_ellipsizes_past_three_lines():
    assert chart.wrap_name("Shelf audit") == "Shelf audit"
    lines = chart.wrap_name(LONG_NAME).split("\n")
    assert len(lines) == chart.NAME_LINES
    assert all(len(line) <= chart.NAME_WIDTH for line in lines)
    assert lines[-1].endswith("…")
    assert " ".join(lines).removesuffix(" …") in LONG_NAME
    middle = "Spring facings audit of the hazelnut spreads"
    assert chart.wrap_name(middle) == "Spring facings audit of the\nhazelnut spreads"


def test_titles_say_one_payout_and_units_label_the_axes():
    data = chart.chart_data(
        report(
            time_to_decision=rules.delay_figures([20 * MINUTE, 40 * MINUTE]),
            time_to_payout=rules.delay_figures([3 * DAY]),
            campaigns=[campaign("Shelf audit", approved=1, rejected=0)],
        )
    )
    assert data.payout.title == "Time to payout: 1 payout"
    assert data.payout.unit == "days"
    assert data.payout.axis == "from request to payment"
    assert data.payout.series["Time to payout"] == [3.0, 3.0]
    assert data.decision.title == "Time to decision: 2 decisions"
    assert data.decision.unit == "minutes"
    assert data.decision.series["Time to decision"] == [pytest.approx(30.0), pytest.approx(38.0)]
    assert data.rates.title == "Rejection and reversal rates: 1 campaign, busiest first"
    assert data.rates.labels == ["Shelf audit\n1 decision, 0 appeals decided"]
    assert data.rates.unit == "% of decided"
    assert data.pay.axis == "EUR per active hour (15 min travel included)"
    assert data.pay.marker == ("floor, 12.00 EUR", 12.0)
    assert data.heading == "Fairness report, last 90 days"


def test_the_pay_count_says_what_it_leaves_out():
    pay = rules.pay_figures([320, 900, 1200, 1200], SETTINGS) | {"approved": 5, "store_closed": 1}
    data = chart.chart_data(report(hourly_pay=pay))
    assert data.pay.title == "Pay per active hour: 4 approved audits"
    assert data.pay.note == (
        "of 5 approved submissions; left out: 1 closed store (show-up pay, not by the hour)"
    )
    assert sum(data.pay.series["approved audits"]) == 4
    assert data.pay.labels[0] == "0.00 to 2.00"
    whole = rules.pay_figures([1200], SETTINGS) | {"approved": 1, "store_closed": 0}
    assert chart.chart_data(report(hourly_pay=whole)).pay.note == ""
    unpaid = rules.pay_figures([1200], SETTINGS) | {"approved": 2, "store_closed": 0}
    note = chart.chart_data(report(hourly_pay=unpaid)).pay.note
    assert note == "of 2 approved submissions; left out: 1 not paid in EUR"


def fits(figure: Any) -> bool:
    """Whether everything drawn (titles, tick labels, bar values, legends) is inside the figure."""
    canvas = FigureCanvasAgg(figure)  # what savefig draws the PNG with
    canvas.draw()
    drawn = figure.get_tightbbox(canvas.get_renderer())  # inches, drawn artists only
    width, height = figure.get_size_inches()
    slack = 0.01
    return bool(
        drawn.x0 >= -slack
        and drawn.y0 >= -slack
        and drawn.x1 <= width + slack
        and drawn.y1 <= height + slack
    )


def test_every_label_fits_the_figure_however_long_the_names_or_many_the_campaigns():
    many = [campaign(f"{LONG_NAME} {n}", approved=n + 1, rejected=n) for n in range(12)]
    many.append(campaign("Short"))
    full = report(
        hourly_pay=rules.pay_figures([320, 900, 1200, 9000], SETTINGS)
        | {"approved": 4, "store_closed": 0},
        time_to_decision=rules.delay_figures([HOUR, 3 * HOUR]),
        time_to_payout=rules.delay_figures([2 * DAY, 4 * DAY]),
        campaigns=many,
    )
    for each in (report(), full, report(campaigns=[campaign(LONG_NAME)])):
        figure = chart.chart_figure(chart.chart_data(each))
        assert fits(figure)
        labels = [t.get_text() for t in figure.axes[-1].get_yticklabels()]
        assert labels == chart.chart_data(each).rates.labels


def test_the_chart_is_a_png_with_and_without_data():
    for each in (report(), report(campaigns=[campaign("Shelf audit")])):
        data = chart.chart_png(each)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "PNG"
            assert image.size[0] == 1500
