"""Shapes of the operational endpoints."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Dict, Integer, String


class HealthOut(Schema):
    status = String()


class ReadyOut(Schema):
    status = String()
    checks = Dict(keys=String(), values=String())


class PipelineCheckOut(Schema):
    id = String()
    status = String()
    created_at = DateTime()
    completed_at = DateTime(allow_none=True)
    runs = Integer()
    worker_hostname = String(allow_none=True)
