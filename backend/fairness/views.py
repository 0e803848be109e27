"""HTTP endpoints: a brand's scorecard for workers, the admins' fairness report."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import Response

from backend.accounts.auth import auth
from backend.db import request_session
from backend.fairness import chart, queries, rules
from backend.fairness.schemas import FairnessQuery, FairnessReportOut, ScorecardOut, ScorecardQuery
from backend.kernel.clock import utcnow
from backend.settings import current_settings

bp = APIBlueprint("fairness", __name__, url_prefix="/api/v1", tag="Fairness")


@bp.get("/brands/<brand_id>/scorecard")
@bp.auth_required(auth)
@bp.input(ScorecardQuery, location="query", arg_name="query")
@bp.output(ScorecardOut)
@bp.doc(
    summary="How a brand treats workers: decision time, rejections, reversals, pay, payouts",
    description=(
        "Over submissions received in the last `days` days (default 90), each figure with "
        "its sample size and null when there is none. Time to decision: receipt to the first "
        "approval or rejection. Rejection rate: rejected / (approved + rejected), by current "
        "status. Reversal share: appeals approved / appeals decided. Hourly pay: median of "
        "the reward credited per hour of the campaign's estimated minutes plus "
        "FAIRFIELD_TRAVEL_ALLOWANCE_MINUTES. Payout delay: request to payment, platform-wide."
    ),
    responses=[401, 404, 422],
)
def brand_scorecard(brand_id: str, query: dict[str, Any]) -> Any:
    return queries.brand_scorecard(
        db_session=request_session(),
        brand_id=brand_id,
        now=utcnow(),
        days=query["days"],
        settings=rules.settings_from(current_settings()),
    )


# The JSON shape comes from @bp.output; the chart is documented beside it.
_REPORT_RESPONSES: dict[int | str, Any] = {
    200: {
        "description": "The report; `format=png` gives its chart",
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    },
    401: "Unauthorized",
    403: "Forbidden: not an admin",
    422: "Validation error: `days`, `top` or `format` out of range",
    501: "`format=png` where matplotlib (the `reports` extra) is not installed",
}


@bp.get("/admin/fairness")
@bp.auth_required(auth, roles=["admin"])
@bp.input(FairnessQuery, location="query", arg_name="query")
@bp.output(FairnessReportOut)
@bp.doc(
    summary="Fairness report: pay per active hour, missions under the floor, delays, rates",
    description=(
        "Pay per active hour of approved submissions (histogram, median, p10, p90), open "
        "missions whose reward and bonus per estimated hour with the travel allowance is under "
        "FAIRFIELD_MIN_HOURLY, time to decision and to payout (median, p90), and rejection and "
        "reversal rates of the `top` campaigns by submissions received in the window."
    ),
    responses=_REPORT_RESPONSES,
)
def fairness_report(query: dict[str, Any]) -> Any:
    report = queries.fairness_report(
        db_session=request_session(),
        now=utcnow(),
        days=query["days"],
        top=query["top"],
        settings=rules.settings_from(current_settings()),
    )
    if query["format"] == "png":
        return Response(chart.chart_png(report), mimetype="image/png")
    return report
