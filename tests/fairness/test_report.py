"""The fairness report: exact figures over HTTP, admins only, the chart, and the CLI."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from backend.fairness import chart
from tests.fairness import DAY, HOUR, build_world
from tests.support.factories import BrandFactory, UserFactory

REPORT = "/api/v1/admin/fairness"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def world(db, make):
    return build_world(db, make)


@pytest.fixture
def admin_headers(world, auth_headers):
    return auth_headers(world.admin)


def assert_png(data: bytes) -> None:
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
        assert image.format == "PNG"


def test_report_figures_over_a_known_world(client, world, admin_headers):
    response = client.get(REPORT, headers=admin_headers)
    assert response.status_code == 200, response.json
    report = response.json
    assert report["floor"] == {"amount_minor": 1200, "currency": "EUR"}
    assert report["travel_allowance_minutes"] == 15

    pay = report["hourly_pay"]  # 320, 900, 900, 1200, 1200 per active hour
    assert pay["count"] == 5
    assert pay["median"] == {"amount_minor": 900, "currency": "EUR"}
    assert pay["p10"] == {"amount_minor": 552, "currency": "EUR"}  # 320 + 0.4 * 580
    assert pay["p90"] == {"amount_minor": 1200, "currency": "EUR"}
    assert pay["below_floor"] == 3
    assert [b["count"] for b in pay["histogram"]] == [0, 1, 0, 0, 2, 0, 2]
    assert pay["histogram"][-1] == {"from_minor": 1200, "to_minor": 1400, "count": 2}

    # Open missions: quick 2 at the floor, long 2 under and 1 lifted by its bonus, other 1;
    # and the four rejections' missions, reopened: quick 3 at the floor, other 1 under.
    assert report["missions_below_floor"] == {
        "missions": 10,
        "below_floor": 4,
        "share": 0.4,
        "other_currency": 0,
    }

    decision = report["time_to_decision"]  # 0.5, 1, 2, 3, 4, 5, 6, 8 hours
    assert decision["count"] == 8
    assert decision["median_seconds"] == 3.5 * HOUR
    assert decision["p90_seconds"] == pytest.approx((6 + 0.3 * 2) * HOUR)
    payout = report["time_to_payout"]  # 2 and 4 days
    assert payout["count"] == 2
    assert payout["median_seconds"] == 3 * DAY
    assert payout["p90_seconds"] == pytest.approx(3.8 * DAY)


def test_campaign_rates_busiest_first(client, world, admin_headers):
    campaigns = client.get(REPORT, headers=admin_headers).json["campaigns"]
    assert campaigns[0]["campaign_id"] == world.quick
    assert {c["campaign_id"] for c in campaigns} == {world.quick, world.long, world.other}
    by_id = {c["campaign_id"]: c for c in campaigns}
    assert by_id[world.quick] == {
        "campaign_id": world.quick,
        "name": "World",
        "brand_id": world.brand_a.id,
        "submissions": 5,
        "decided": 4,
        "rejected": 2,
        "rejection_rate": 0.5,
        "appeals_decided": 2,
        "appeals_approved": 1,
        "reversal_rate": 0.5,
    }
    assert by_id[world.long]["rejection_rate"] == 0.0
    assert by_id[world.other]["rejection_rate"] == 0.5
    assert by_id[world.other]["reversal_rate"] is None

    top = client.get(REPORT, query_string={"top": 1}, headers=admin_headers).json
    assert [c["campaign_id"] for c in top["campaigns"]] == [world.quick]


def test_report_chart_is_a_png(client, world, admin_headers):
    response = client.get(REPORT, query_string={"format": "png"}, headers=admin_headers)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert_png(response.data)


def test_report_is_for_admins_only(client, make, auth_headers):
    worker = auth_headers(make(UserFactory))
    brand = auth_headers(make(UserFactory, role="brand", brand=make(BrandFactory)))
    assert client.get(REPORT, headers=worker).status_code == 403
    assert client.get(REPORT, headers=brand).status_code == 403
    assert client.get(REPORT).status_code == 401
    admin = auth_headers(make(UserFactory, admin=True))
    assert client.get(REPORT, query_string={"format": "pdf"}, headers=admin).status_code == 422


def test_empty_platform_report_has_null_figures_and_a_chart(client, make, auth_headers):
    admin = auth_headers(make(UserFactory, admin=True))
    report = client.get(REPORT, headers=admin).json
    assert report["hourly_pay"]["count"] == 0
    assert report["hourly_pay"]["median"] is None
    assert report["hourly_pay"]["histogram"] == []
    assert report["missions_below_floor"]["share"] is None
    assert report["time_to_decision"] == {"count": 0, "median_seconds": None, "p90_seconds": None}
    assert report["campaigns"] == []
    chart = client.get(REPORT, query_string={"format": "png"}, headers=admin)
    assert_png(chart.data)


def test_cli_writes_json_and_png_with_progress(app, client, world, admin_headers, tmp_path):
    out = tmp_path / "report"
    result = app.test_cli_runner().invoke(
        args=["fairness-report", "--out", str(out), "--days", "365"]
    )
    assert result.exit_code == 0, result.output
    for step in ("pay per active hour", "time to decision", "rates per campaign", "report.png"):
        assert step in result.stderr
    assert f"written to {out}" in result.stdout
    document = json.loads((out / "report.json").read_text())
    assert document["window"]["days"] == 365
    assert document["hourly_pay"]["count"] == 6  # the approval 100 days ago is in
    assert document["time_to_decision"]["count"] == 9
    over_http = client.get(REPORT, query_string={"days": 365}, headers=admin_headers).json
    assert document["campaigns"] == over_http["campaigns"]
    assert_png((out / "report.png").read_bytes())


def approved_in(campaigns):
    return sum(c["decided"] - c["rejected"] for c in campaigns)


def test_the_chart_plots_the_report_s_own_numbers(client, world, admin_headers):
    report = client.get(REPORT, headers=admin_headers).json
    data = chart.chart_data(report)
    pay = report["hourly_pay"]
    assert data.pay.series["approved audits"] == [b["count"] for b in pay["histogram"]]
    assert sum(data.pay.series["approved audits"]) == pay["count"] == 5
    assert data.positions == [b["from_minor"] / 100 for b in pay["histogram"]]
    assert data.pay.title == "Pay per active hour: 5 approved audits"
    assert pay["approved"] == approved_in(report["campaigns"]) == 5
    assert data.pay.note == ""
    # 30 minutes to 8 hours: in hours; 2 to 4 days: in days.
    decision, payout = report["time_to_decision"], report["time_to_payout"]
    assert data.decision.unit == "hours"
    assert data.decision.series["Time to decision"] == [
        decision["median_seconds"] / HOUR,
        decision["p90_seconds"] / HOUR,
    ]
    assert data.decision.title == "Time to decision: 8 decisions"
    assert data.payout.unit == "days"
    assert data.payout.series["Time to payout"] == [
        payout["median_seconds"] / DAY,
        payout["p90_seconds"] / DAY,
    ]
    assert data.payout.title == "Time to payout: 2 payouts"
    rates = data.rates.series
    for index, row in enumerate(report["campaigns"]):
        assert data.rates.labels[index].startswith(row["name"])
        assert rates["rejected, of decided submissions"][index] == row["rejection_rate"] * 100
        reversal = row["reversal_rate"]
        expected = None if reversal is None else reversal * 100
        assert rates["reversed, of decided appeals"][index] == expected


def test_the_pay_count_agrees_with_the_approvals_a_closed_store_included(
    client, world, admin_headers
):
    # A closed store approved in the window: paid show-up pay, not by the hour.
    world.builder.decided(world.other, 1, "approved", 1, outcome="store_closed")
    report = client.get(REPORT, headers=admin_headers).json
    pay = report["hourly_pay"]
    assert pay["approved"] == approved_in(report["campaigns"]) == 6
    assert (pay["count"], pay["store_closed"]) == (5, 1)
    data = chart.chart_data(report)
    assert data.pay.title == "Pay per active hour: 5 approved audits"
    assert data.pay.note == (
        "of 6 approved submissions; left out: 1 closed store (show-up pay, not by the hour)"
    )
