"""Shapes shared by every feature: money and list pages."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Integer, String
from apiflask.validators import Length, Range, Regexp

from backend.pagination import LIMIT_MAX


class Money(Schema):
    amount_minor = Integer(required=True, strict=True, validate=Range(min=0, max=10**12))
    currency = String(required=True, validate=Regexp(r"^[A-Z]{3}$"))


class PageQuery(Schema):
    limit = Integer(load_default=50, validate=Range(min=1, max=LIMIT_MAX))
    cursor = String(load_default=None, validate=Length(max=500))
