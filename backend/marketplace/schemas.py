"""Request and response shapes for missions and assignments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range
from marshmallow import EXCLUDE, ValidationError, missing, validates_schema

from backend.campaigns.form_schemas import QuestionOut
from backend.marketplace.rules import LIMIT_MAX, RADIUS_MAX_M
from backend.schemas import Money


class NearbyQuery(Schema):
    latitude = Float(required=True, allow_nan=False, validate=Range(-90, 90))
    longitude = Float(required=True, allow_nan=False, validate=Range(-180, 180))
    radius_m = Integer(load_default=5000, validate=Range(1, RADIUS_MAX_M))
    limit = Integer(load_default=20, validate=Range(1, LIMIT_MAX))

    def load(self, data: Any, **kwargs: Any) -> Any:
        """The fields' own load, but a query of plain numbers in range is read directly:
        the busiest endpoint's query through marshmallow cost as much as its token lookup.
        Anything else (missing, malformed, out of range) goes through marshmallow, whose
        errors the API answers with."""
        if set(kwargs) <= {"unknown"} and kwargs.get("unknown", EXCLUDE) == EXCLUDE:
            plain = _plain_nearby_query(data)
            if plain is not None:
                return plain
        return super().load(data, **kwargs)


# What marshmallow reads as the same number, and nothing else: digits, a sign, a point.
_DECIMAL = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,20})?")
_WHOLE = re.compile(r"[0-9]{1,9}")


def _plain_fields(
    schema: type[Schema],
) -> tuple[tuple[str, re.Pattern[str], type, Range, Any], ...]:
    """(name, pattern, type, range, default or None when required) of each field, read off
    the schema itself so that the plain path follows a change to it."""
    plain = []
    for name, field in schema._declared_fields.items():
        (bounds,) = [v for v in field.validators if isinstance(v, Range)]
        assert bounds.min_inclusive, name
        assert bounds.max_inclusive, name
        assert isinstance(field, Float | Integer), name
        whole = isinstance(field, Integer)
        default = None if field.required else field.load_default
        plain.append(
            (name, _WHOLE if whole else _DECIMAL, int if whole else float, bounds, default)
        )
    return tuple(plain)


def _plain_nearby_query(data: Any) -> dict[str, Any] | None:
    """NearbyQuery's result when every field given is a plain number in range (the first of
    repeated ones, as webargs reads them) and the position is given; None otherwise."""
    if not isinstance(data, Mapping):
        return None
    out: dict[str, Any] = {}
    for name, pattern, kind, bounds, default in _NEARBY_FIELDS:
        text = data.get(name)
        if text is None or text is missing:  # webargs' proxy answers `missing`
            if default is None:
                return None
            out[name] = default
            continue
        if not isinstance(text, str) or pattern.fullmatch(text) is None:
            return None
        value = kind(text)
        if not bounds.min <= value <= bounds.max:
            return None
        out[name] = value
    return out


_NEARBY_FIELDS = _plain_fields(NearbyQuery)


class StoreBrief(Schema):
    id = String()
    name = String()
    address = String(allow_none=True)
    latitude = Float()
    longitude = Float()


class EstimateOut(Schema):
    travel_minutes = Integer(
        allow_none=True,
        metadata={"description": "from the given position at the travel speed; null without one"},
    )
    in_store_minutes = Integer()
    distance_m = Float(allow_none=True)


class BrandLinkOut(Schema):
    id = String()
    scorecard_url = String(metadata={"description": "the brand's scorecard for workers"})


class TaskSummaryOut(Schema):
    """The task in counts, to choose between missions."""

    products = Integer(metadata={"description": "products to count"})
    questions = Integer(metadata={"description": "questions to answer"})
    photos_required = Integer()


class TaskProductOut(Schema):
    sku = String(metadata={"description": "answer for this product under this sku"})
    name = String()


class CountingOut(Schema):
    """What a count is: the same for every product of every mission."""

    unit = String(metadata={"description": "what one unit of an answer's `count` is: `facing`"})
    definition = String(metadata={"description": "what a facing is, for the worker to read"})
    answer = String(metadata={"description": "how to answer each product"})


class TaskOut(Schema):
    """Everything the worker must do at the store, enough to build a complete submission."""

    products = List(
        Nested(TaskProductOut),
        metadata={"description": "the products a question per product is answered for"},
    )
    counting = Nested(CountingOut)
    questions = List(
        Nested(QuestionOut),
        metadata={
            "description": "the form, in order: answer each as `{question_id, sku?, value}`, "
            "one per product for a question per product, only when its `show_if` holds"
        },
    )
    photos_required = Integer(metadata={"description": "send at least this many photos"})
    photo_instructions = String(
        allow_none=True, metadata={"description": "what the photos must show"}
    )
    instructions = String(metadata={"description": "the brand's instructions"})


class MissionOut(Schema):
    id = String()
    status = String()
    store = Nested(StoreBrief)
    distance_m = Float(allow_none=True)
    reward = Nested(Money, metadata={"description": "what the mission pays, its bonus included"})
    bonus = Nested(Money, metadata={"description": "the part of the reward that is a bonus"})
    est_minutes = Integer()
    estimate = Nested(EstimateOut)
    brand = Nested(BrandLinkOut)
    ends_at = DateTime()
    effective_hourly_rate = Nested(
        Money,
        allow_none=True,
        metadata={
            "description": "reward per hour of travel and time in store; null without a position"
        },
    )
    campaign_id = String()
    campaign_name = String()
    instructions = String()
    task_summary = Nested(TaskSummaryOut)


class MissionListOut(Schema):
    items = List(Nested(MissionOut))
    next_cursor = String(allow_none=True)


class _Position(Schema):
    """An optional position: both coordinates or neither."""

    latitude = Float(load_default=None, allow_nan=False, validate=Range(-90, 90))
    longitude = Float(load_default=None, allow_nan=False, validate=Range(-180, 180))

    @validates_schema
    def _both_or_neither(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            missing = "longitude" if data.get("longitude") is None else "latitude"
            raise ValidationError("Give latitude and longitude together.", missing)


class PositionQuery(_Position):
    """Where the worker is, to see the trip and the pay per hour."""


class ClaimIn(_Position):
    """Where the worker is as they claim: the window allows for the trip to the store."""


class ClaimWindowOut(Schema):
    travel_minutes = Integer()
    in_store_minutes = Integer()
    buffer_minutes = Integer()
    total_minutes = Integer(
        metadata={"description": "the sum, kept within the configured least and most"}
    )


class MissionDetailOut(MissionOut):
    """A mission with its whole task and what a claim on it would hold."""

    task = Nested(TaskOut)
    claim_window = Nested(
        ClaimWindowOut,
        metadata={
            "description": "how long a claim made now would hold: the trip from the position "
            "given (none without one), the time in store and the buffer"
        },
    )


class ClaimOut(Schema):
    assignment_id = String()
    mission_id = String()
    expires_at = DateTime()
    window = Nested(ClaimWindowOut)
    task = Nested(TaskOut)


class AssignmentOut(Schema):
    id = String()
    mission_id = String()
    status = String()
    created_at = DateTime()
    expires_at = DateTime()
    ended_at = DateTime(allow_none=True)


class AssignmentTaskOut(AssignmentOut):
    """An assignment with its mission's store and the task the mission sets."""

    store = Nested(StoreBrief, metadata={"description": "where the work is"})
    task = Nested(TaskOut)


class AssignmentListOut(Schema):
    items = List(Nested(AssignmentTaskOut))
    next_cursor = String(allow_none=True)


class CheckInIn(Schema):
    latitude = Float(required=True, allow_nan=False, validate=Range(-90, 90))
    longitude = Float(required=True, allow_nan=False, validate=Range(-180, 180))
    accuracy_m = Float(required=True, allow_nan=False, validate=Range(0, 10_000))


class CheckInOut(Schema):
    inside_geofence = Boolean()
    distance_m = Float()
    geofence_m = Integer()
    accuracy_m = Float()


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be empty.")


class GeocodeQuery(Schema):
    q = String(
        required=True,
        validate=[Length(1, 200), _not_blank],
        metadata={"description": "an address, as a worker types it"},
    )


class PlaceOut(Schema):
    label = String(metadata={"description": "the address as the geocoder writes it"})
    latitude = Float()
    longitude = Float()


class GeocodeOut(Schema):
    items = List(Nested(PlaceOut), metadata={"description": "at most 5, best first"})
