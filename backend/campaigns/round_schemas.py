"""Request and response shapes of recurring campaigns: the schedule, rounds, the trend."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Integer, List, Nested, String
from apiflask.validators import Range

from backend.campaigns.round_rules import EVERY_DAYS_MAX, EVERY_DAYS_MIN, HOLDS
from backend.schemas import Money


class ScheduleIn(Schema):
    every_days = Integer(
        required=True,
        strict=True,
        validate=Range(EVERY_DAYS_MIN, EVERY_DAYS_MAX),
        metadata={"description": "days between rounds (7: weekly)"},
    )


class ScheduleOut(Schema):
    every_days = Integer()


class RoundHoldOut(Schema):
    code = String(metadata={"description": "why: " + ", ".join(sorted(HOLDS))})
    detail = String(metadata={"description": "the same in words, for the brand"})
    since = DateTime()


class RoundStateOut(Schema):
    current = Integer(metadata={"description": "the latest round opened"})
    next_opens_at = DateTime(
        allow_none=True,
        metadata={"description": "when the next round falls due (null: one round, or ended)"},
    )
    hold = Nested(
        RoundHoldOut,
        allow_none=True,
        metadata={"description": "the round that is due did not open, and why; null when not"},
    )


class RoundMissionsOut(Schema):
    open = Integer()
    claimed = Integer()
    submitted = Integer()
    approved = Integer(metadata={"description": "approved results (a closed store included)"})
    closed = Integer(metadata={"description": "cancelled or expired: nobody will do them"})


class RoundOut(Schema):
    round = Integer()
    opened_at = DateTime()
    funded = Nested(Money, metadata={"description": "what the round's opening paid in"})
    missions = Nested(RoundMissionsOut)


class RoundListOut(Schema):
    items = List(Nested(RoundOut), metadata={"description": "oldest round first"})


class TrendStoreOut(Schema):
    id = String()
    name = String()


class TrendRoundOut(Schema):
    round = Integer()
    out_of_stock = List(
        String(),
        allow_none=True,
        metadata={
            "description": "the skus found out of stock (empty: none); null: the round has "
            "no approved result of the store with answers"
        },
    )


class TrendItemOut(Schema):
    store = Nested(TrendStoreOut)
    rounds = List(Nested(TrendRoundOut), metadata={"description": "one per round, in order"})


class OutOfStockTrendOut(Schema):
    campaign_id = String()
    rounds = List(Integer(), metadata={"description": "the rounds opened, in order"})
    items = List(Nested(TrendItemOut), metadata={"description": "one per store, by name"})
