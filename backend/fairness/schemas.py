"""Request and response shapes for the brand scorecard and the fairness report."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Float, Integer, List, Nested, String
from apiflask.validators import OneOf, Range

from backend.campaigns.schemas import AmountOut

DAYS_MAX = 3650
TOP_MAX = 100
REPORT_FORMATS = ("json", "png")


class ScorecardQuery(Schema):
    days = Integer(load_default=90, validate=Range(1, DAYS_MAX), metadata={"description": "window"})


class FairnessQuery(ScorecardQuery):
    top = Integer(
        load_default=10, validate=Range(1, TOP_MAX), metadata={"description": "how many campaigns"}
    )
    format = String(load_default="json", validate=OneOf(REPORT_FORMATS))


class WindowOut(Schema):
    days = Integer()
    since = DateTime(metadata={"description": "submissions received from then on count"})
    until = DateTime()


class BrandRefOut(Schema):
    id = String()
    name = String()


class DecisionTimeOut(Schema):
    count = Integer(metadata={"description": "submissions with a first approval or rejection"})
    median_seconds = Float(
        allow_none=True,
        metadata={"description": "receipt to the first approval or rejection, by anyone"},
    )


class RejectionOut(Schema):
    decided = Integer(metadata={"description": "submissions approved or rejected now"})
    rejected = Integer()
    rate = Float(allow_none=True, metadata={"description": "rejected / decided"})


class ReversalOut(Schema):
    decided = Integer(metadata={"description": "appeals decided"})
    approved = Integer(metadata={"description": "appeals that reversed the rejection"})
    share = Float(allow_none=True, metadata={"description": "approved / decided"})


class ScorecardPayOut(Schema):
    count = Integer(metadata={"description": "approved, completed submissions"})
    median = Nested(
        AmountOut,
        allow_none=True,
        metadata={"description": "credited reward per hour of est_minutes + travel allowance"},
    )
    travel_allowance_minutes = Integer()


class PayoutDelayOut(Schema):
    scope = String(metadata={"description": "platform: a payout mixes every brand's money"})
    count = Integer(metadata={"description": "payout requests paid"})
    median_seconds = Float(allow_none=True, metadata={"description": "request to payment"})


class ScorecardOut(Schema):
    brand = Nested(BrandRefOut)
    window = Nested(WindowOut)
    time_to_decision = Nested(DecisionTimeOut)
    rejection = Nested(RejectionOut)
    appeal_reversal = Nested(ReversalOut)
    hourly_pay = Nested(ScorecardPayOut)
    payout_delay = Nested(PayoutDelayOut)


class BinOut(Schema):
    from_minor = Integer()
    to_minor = Integer(allow_none=True, metadata={"description": "null: open-ended"})
    count = Integer()


class PayDistributionOut(Schema):
    count = Integer(
        metadata={"description": "approved, completed submissions paid in the floor's currency"}
    )
    approved = Integer(metadata={"description": "approved submissions, whatever the outcome"})
    store_closed = Integer(
        metadata={"description": "approved closed-store visits: show-up pay, not by the hour"}
    )
    median = Nested(AmountOut, allow_none=True)
    p10 = Nested(AmountOut, allow_none=True)
    p90 = Nested(AmountOut, allow_none=True)
    below_floor = Integer(metadata={"description": "submissions paid under the floor per hour"})
    histogram = List(Nested(BinOut))


class FloorShareOut(Schema):
    missions = Integer(metadata={"description": "open missions of published campaigns"})
    below_floor = Integer()
    share = Float(allow_none=True)
    other_currency = Integer(metadata={"description": "not compared: not the floor's currency"})


class DelayOut(Schema):
    count = Integer()
    median_seconds = Float(allow_none=True)
    p90_seconds = Float(allow_none=True)


class CampaignRatesOut(Schema):
    campaign_id = String()
    name = String()
    brand_id = String()
    submissions = Integer(metadata={"description": "received in the window"})
    decided = Integer()
    rejected = Integer()
    rejection_rate = Float(allow_none=True)
    appeals_decided = Integer()
    appeals_approved = Integer()
    reversal_rate = Float(allow_none=True)


class FairnessReportOut(Schema):
    window = Nested(WindowOut)
    floor = Nested(AmountOut, metadata={"description": "FAIRFIELD_MIN_HOURLY"})
    travel_allowance_minutes = Integer()
    hourly_pay = Nested(PayDistributionOut)
    missions_below_floor = Nested(FloorShareOut)
    time_to_decision = Nested(DelayOut)
    time_to_payout = Nested(DelayOut)
    campaigns = List(Nested(CampaignRatesOut), metadata={"description": "the busiest first"})
