"""Request and response shapes for campaigns."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, Range

from backend.campaigns.rules import EST_MINUTES_MAX, PHOTOS_MAX, PRODUCTS_MAX
from backend.schemas import Money, PageQuery


class ProductIn(Schema):
    sku = String(required=True, validate=Length(min=1, max=64))
    name = String(required=True, validate=Length(min=1, max=200))


class CampaignIn(Schema):
    name = String(required=True, validate=Length(min=1, max=200))
    instructions = String(load_default="", validate=Length(max=5000))
    products = List(Nested(ProductIn), required=True, validate=Length(min=1, max=PRODUCTS_MAX))
    photos_required = Integer(required=True, strict=True, validate=Range(0, PHOTOS_MAX))
    review_required = Boolean(
        load_default=False,
        metadata={"description": "A person reviews every submission, even one that passes"},
    )
    reward = Nested(Money, required=True)
    est_minutes = Integer(required=True, strict=True, validate=Range(1, EST_MINUTES_MAX))
    starts_at = AwareDateTime(required=True, format="iso")
    ends_at = AwareDateTime(required=True, format="iso")
    store_ids = List(
        String(validate=Length(max=36)), required=True, validate=Length(min=1, max=10_000)
    )
    brand_id = String(load_default=None, validate=Length(max=36))


class ProductOut(Schema):
    sku = String()
    name = String()


class CampaignOut(Schema):
    id = String()
    brand_id = String()
    name = String()
    instructions = String()
    products = List(Nested(ProductOut))
    photos_required = Integer()
    review_required = Boolean()
    reward = Nested(Money)
    est_minutes = Integer()
    starts_at = DateTime()
    ends_at = DateTime()
    status = String()
    created_at = DateTime()
    published_at = DateTime(allow_none=True)
    missions = Dict(keys=String(), values=Integer(), metadata={"description": "count by status"})


class CampaignListOut(Schema):
    items = List(Nested(CampaignOut))
    next_cursor = String(allow_none=True)


class CampaignListQuery(PageQuery):
    status = String(load_default=None, validate=Length(max=16))
