"""The fairness report drawn for people: what each panel plots, then the PNG.

`chart_data` is pure: from the report (the query's dict or its JSON document) it gives each
panel's labels, values and unit, so the figures a person reads are tested against the
report's own numbers. `chart_png` only draws them.
"""

from __future__ import annotations

import importlib.util
import io
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from backend.errors import DomainError

# Durations read best in the largest unit that still gives the longest at least 2 of it:
# 90 minutes rather than 1.5 hours, 47 hours rather than 1.96 days.
TIME_UNITS = (("days", 86_400.0), ("hours", 3_600.0), ("minutes", 60.0), ("seconds", 1.0))
AT_LEAST = 2.0
# Campaign names are up to 200 characters: wrapped on words, the rest ellipsized.
NAME_WIDTH = 34
NAME_LINES = 3


@dataclass(frozen=True)
class TimeUnit:
    name: str  # plural, as an axis says it: "hours"
    seconds: float


def time_unit(durations: Iterable[float | None]) -> TimeUnit:
    """The unit the longest of these durations (seconds) reads best in; hours when none."""
    longest = max((d for d in durations if d is not None), default=None)
    if longest is None:
        return TimeUnit("hours", 3_600.0)
    for name, seconds in TIME_UNITS:
        if longest >= AT_LEAST * seconds:
            return TimeUnit(name, seconds)
    return TimeUnit("seconds", 1.0)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 payout', '2 payouts', '0 payouts'."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def wrap_name(name: str, *, width: int = NAME_WIDTH, lines: int = NAME_LINES) -> str:
    """A name on at most `lines` lines of `width` characters, ellipsized past them."""
    wrapped = textwrap.wrap(" ".join(name.split()), width, max_lines=lines, placeholder=" …")
    return "\n".join(wrapped)


@dataclass(frozen=True)
class Panel:
    """One plot: a value per label for each series, and what the values are in."""

    title: str
    labels: list[str]
    series: dict[str, list[float | None]]  # legend entry -> a value per label (None: no data)
    unit: str  # the value axis: what the values count or measure, in what unit
    axis: str = ""  # the other axis
    note: str = ""  # under the title: what is left out, and why
    marker: tuple[str, float] | None = None  # a reference line: (legend entry, position)


@dataclass(frozen=True)
class ChartData:
    heading: str
    pay: Panel
    decision: Panel
    payout: Panel
    rates: Panel
    positions: list[float] = field(default_factory=list)  # pay bins' left edges, in units


def chart_data(report: Mapping[str, Any]) -> ChartData:
    """What the chart plots, from the report's own figures."""
    pay = report["hourly_pay"]
    return ChartData(
        heading=f"Fairness report, last {plural(report['window']['days'], 'day')}",
        pay=_pay_panel(pay, report["floor"], report["travel_allowance_minutes"]),
        decision=_delay_panel(
            "Time to decision",
            report["time_to_decision"],
            noun="decision",
            span="from receipt to the first approval or rejection",
        ),
        payout=_delay_panel(
            "Time to payout",
            report["time_to_payout"],
            noun="payout",
            span="from request to payment",
        ),
        rates=_rates_panel(report["campaigns"]),
        positions=[b["from_minor"] / 100 for b in pay["histogram"]],
    )


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def _bin_label(low: int, high: int | None) -> str:
    return f"{_money(low)} to {_money(high)}" if high is not None else f"{_money(low)} or more"


def _pay_panel(pay: Mapping[str, Any], floor: Mapping[str, Any], allowance: int) -> Panel:
    counted, approved = pay["count"], pay.get("approved", pay["count"])
    closed = pay.get("store_closed", 0)
    left_out = []
    if closed:
        left_out.append(f"{plural(closed, 'closed store')} (show-up pay, not by the hour)")
    if approved - counted - closed:
        left_out.append(f"{approved - counted - closed} not paid in {floor['currency']}")
    note = ""
    if left_out:
        note = f"of {plural(approved, 'approved submission')}; left out: " + ", ".join(left_out)
    return Panel(
        title=f"Pay per active hour: {plural(counted, 'approved audit')}",
        labels=[_bin_label(b["from_minor"], b["to_minor"]) for b in pay["histogram"]],
        series={"approved audits": [b["count"] for b in pay["histogram"]]},
        unit="approved audits",
        axis=f"{floor['currency']} per active hour ({allowance} min travel included)",
        note=note,
        marker=(
            f"floor, {_money(floor['amount_minor'])} {floor['currency']}",
            floor["amount_minor"] / 100,
        ),
    )


def _delay_panel(title: str, delay: Mapping[str, Any], *, noun: str, span: str) -> Panel:
    seconds = [delay["median_seconds"], delay["p90_seconds"]]
    unit = time_unit(seconds)
    return Panel(
        title=f"{title}: {plural(delay['count'], noun)}",
        labels=["median", "90th percentile"],
        series={title: [None if s is None else s / unit.seconds for s in seconds]},
        unit=unit.name,
        axis=span,
    )


def _rates_panel(campaigns: Sequence[Mapping[str, Any]]) -> Panel:
    def share(rate: float | None) -> float | None:
        return None if rate is None else rate * 100

    labels = [
        f"{wrap_name(c['name'])}\n"
        f"{plural(c['decided'], 'decision')}, {plural(c['appeals_decided'], 'appeal')} decided"
        for c in campaigns
    ]
    return Panel(
        title=f"Rejection and reversal rates: {plural(len(campaigns), 'campaign')}, busiest first",
        labels=labels,
        series={
            "rejected, of decided submissions": [share(c["rejection_rate"]) for c in campaigns],
            "reversed, of decided appeals": [share(c["reversal_rate"]) for c in campaigns],
        },
        unit="% of decided",
    )


# Inches: the top row's height, and each campaign label line's below it.
TOP_ROW = 4.2
LINE = 0.19


def chart_figure(data: ChartData) -> Any:
    """The chart as a matplotlib Figure (Agg, no pyplot: no global state, safe in a worker)."""
    from matplotlib.figure import Figure

    lines = sum(label.count("\n") + 1 for label in data.rates.labels)
    rates_height = max(2.0, 0.8 + LINE * 1.3 * lines)
    figure = Figure(figsize=(15, TOP_ROW + rates_height + 0.6), dpi=100, layout="constrained")
    axes = figure.subplot_mosaic(
        [["pay", "decision", "payout"], ["rates", "rates", "rates"]],
        height_ratios=[TOP_ROW, rates_height],
    )
    figure.suptitle(data.heading, fontsize=14)
    _draw_pay(axes["pay"], data.pay, data.positions)
    _draw_delay(axes["decision"], data.decision)
    _draw_delay(axes["payout"], data.payout)
    _draw_rates(axes["rates"], data.rates)
    return figure


class ChartUnavailable(DomainError):
    """matplotlib, an extra, is not installed: the report's numbers are there, its chart not."""

    status, code = 501, "chart_unavailable"


INSTALL_HINT = (
    "The fairness report's chart needs matplotlib, an optional dependency: install it with "
    "pip install 'fairfield[reports]'."
)


def require_matplotlib() -> None:
    """ChartUnavailable, saying how to install it, unless matplotlib can be imported."""
    if importlib.util.find_spec("matplotlib") is None:
        raise ChartUnavailable(INSTALL_HINT)


def chart_png(report: Mapping[str, Any]) -> bytes:
    """The report as one PNG: pay per active hour, delays, and rates per campaign."""
    require_matplotlib()
    buffer = io.BytesIO()
    chart_figure(chart_data(report)).savefig(buffer, format="png")
    return buffer.getvalue()


def _title(axes: Any, panel: Panel) -> None:
    # A third of the figure's width holds about 55 characters at this size.
    note = textwrap.fill(panel.note, 55)
    axes.set_title(f"{panel.title}\n{note}" if note else panel.title, fontsize=11)


def _number(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "no data"
    shown = f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"
    return shown + suffix


def _draw_pay(axes: Any, panel: Panel, lefts: Sequence[float]) -> None:
    _title(axes, panel)
    (counts,) = panel.series.values()
    width = (lefts[1] - lefts[0]) if len(lefts) > 1 else 2.0
    axes.bar(lefts, [c or 0 for c in counts], width=width, align="edge", label=panel.unit)
    if panel.marker is not None:
        label, at = panel.marker
        axes.axvline(at, color="red", linestyle="--", label=label)
    axes.set_xlabel(panel.axis)
    axes.set_ylabel(panel.unit)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.legend(fontsize=9)
    if not counts:
        axes.text(0.5, 0.5, "no data", transform=axes.transAxes, ha="center", va="center")


def _draw_delay(axes: Any, panel: Panel) -> None:
    _title(axes, panel)
    (values,) = panel.series.values()
    bars = axes.bar(panel.labels, [v or 0.0 for v in values], color="tab:orange")
    axes.bar_label(bars, labels=[_number(v) for v in values], padding=2)
    axes.set_ylabel(panel.unit)
    axes.set_xlabel(panel.axis)
    axes.margins(y=0.15)


def _draw_rates(axes: Any, panel: Panel) -> None:
    _title(axes, panel)
    rows = range(len(panel.labels))
    for offset, (name, values) in zip((-0.2, 0.2), panel.series.items(), strict=True):
        bars = axes.barh(
            [r + offset for r in rows], [v or 0.0 for v in values], height=0.4, label=name
        )
        axes.bar_label(bars, labels=[_number(v, " %") for v in values], padding=2, fontsize=8)
    axes.set_yticks(list(rows), panel.labels, fontsize=8)
    axes.set_xlim(0, 110)  # room for the value beside a bar at 100 %
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel(panel.unit)
    axes.invert_yaxis()
    if panel.labels:
        axes.legend(fontsize=9, loc="lower right")
    else:
        axes.text(0.5, 0.5, "no campaigns", transform=axes.transAxes, ha="center", va="center")
