"""Request and response shapes for missions and assignments."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Float, Integer, List, Nested, String
from apiflask.validators import Range

from backend.missions.rules import LIMIT_MAX, RADIUS_MAX_M
from backend.schemas import Money


class NearbyQuery(Schema):
    latitude = Float(required=True, allow_nan=False, validate=Range(-90, 90))
    longitude = Float(required=True, allow_nan=False, validate=Range(-180, 180))
    radius_m = Integer(load_default=5000, validate=Range(1, RADIUS_MAX_M))
    limit = Integer(load_default=20, validate=Range(1, LIMIT_MAX))


class StoreBrief(Schema):
    id = String()
    name = String()
    address = String(allow_none=True)
    latitude = Float()
    longitude = Float()


class MissionOut(Schema):
    id = String()
    status = String()
    store = Nested(StoreBrief)
    distance_m = Float(allow_none=True)
    reward = Nested(Money)
    est_minutes = Integer()
    ends_at = DateTime()
    effective_hourly_rate = Nested(Money, allow_none=True)
    campaign_id = String()
    campaign_name = String()
    instructions = String()


class MissionListOut(Schema):
    items = List(Nested(MissionOut))
    next_cursor = String(allow_none=True)


class PositionQuery(Schema):
    latitude = Float(load_default=None, allow_nan=False, validate=Range(-90, 90))
    longitude = Float(load_default=None, allow_nan=False, validate=Range(-180, 180))


class ClaimOut(Schema):
    assignment_id = String()
    mission_id = String()
    expires_at = DateTime()


class AssignmentOut(Schema):
    id = String()
    mission_id = String()
    status = String()
    created_at = DateTime()
    expires_at = DateTime()
    ended_at = DateTime(allow_none=True)


class AssignmentListOut(Schema):
    items = List(Nested(AssignmentOut))
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
