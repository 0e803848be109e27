"""Request and response shapes for stores."""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import DateTime, File, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range
from marshmallow import ValidationError

from backend.schemas import PageQuery
from backend.stores import rules


class LatLon(String):
    """`"latitude,longitude"` in, a (latitude, longitude) tuple out."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return rules.parse_near(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class StoreIn(Schema):
    name = String(required=True, validate=Length(min=1, max=rules.NAME_MAX))
    chain = String(load_default=None, allow_none=True, validate=Length(max=rules.CHAIN_MAX))
    address = String(load_default=None, allow_none=True, validate=Length(max=rules.ADDRESS_MAX))
    latitude = Float(required=True, allow_nan=False, validate=Range(-90, 90))
    longitude = Float(required=True, allow_nan=False, validate=Range(-180, 180))
    geofence_m = Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        validate=Range(rules.GEOFENCE_MIN_M, rules.GEOFENCE_MAX_M),
        metadata={"description": f"metres; default {rules.GEOFENCE_DEFAULT_M}"},
    )
    external_ref = String(
        load_default=None, allow_none=True, validate=Length(max=rules.EXTERNAL_REF_MAX)
    )
    brand_id = String(
        load_default=None,
        allow_none=True,
        validate=Length(max=36),
        metadata={"description": "Admins only, and required for them: the store's brand."},
    )


class StorePatchIn(Schema):
    """Only the fields given change. Moving the store (latitude, longitude, geofence_m) is
    409 `store_in_use` while one of its missions is claimed or submitted."""

    name = String(validate=Length(min=1, max=rules.NAME_MAX))
    chain = String(allow_none=True, validate=Length(max=rules.CHAIN_MAX))
    address = String(allow_none=True, validate=Length(max=rules.ADDRESS_MAX))
    latitude = Float(allow_nan=False, validate=Range(-90, 90))
    longitude = Float(allow_nan=False, validate=Range(-180, 180))
    geofence_m = Integer(
        strict=True,
        validate=Range(rules.GEOFENCE_MIN_M, rules.GEOFENCE_MAX_M),
        metadata={"description": "metres"},
    )


class StoreOut(Schema):
    id = String()
    brand_id = String()
    name = String()
    chain = String(allow_none=True)
    address = String(allow_none=True)
    latitude = Float()
    longitude = Float()
    geofence_m = Integer()
    external_ref = String(allow_none=True)
    created_at = DateTime()


class StoreHitOut(StoreOut):
    distance_m = Float(metadata={"description": "metres from `near`; only when `near` is given"})

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        # A hit is a store plus, for a `near` search, its distance.
        if attr == "distance_m":
            return default if obj.distance_m is None else obj.distance_m
        return super().get_attribute(obj.store, attr, default)


class StoreListOut(Schema):
    items = List(Nested(StoreHitOut))
    next_cursor = String(allow_none=True)


class StoreListQuery(PageQuery):
    near = LatLon(
        load_default=None,
        metadata={"description": "`latitude,longitude`: nearest first, within `radius_m`"},
    )
    radius_m = Integer(
        load_default=None,
        validate=Range(1, rules.RADIUS_MAX_M),
        metadata={"description": "metres around `near`; default 10000"},
    )


class ImportQuery(Schema):
    brand_id = String(
        load_default=None,
        validate=Length(max=36),
        metadata={"description": "Admins only, and required for them: the stores' brand."},
    )


class ImportFileIn(Schema):
    file = File(
        required=True,
        metadata={"description": "CSV, UTF-8, header: " + ", ".join(rules.CSV_COLUMNS)},
    )


class ImportErrorOut(Schema):
    line = Integer()
    message = String()


class ImportResultOut(Schema):
    created = Integer()
    updated = Integer()
    error_count = Integer(metadata={"description": "all bad lines; `errors` lists the first"})
    errors = List(Nested(ImportErrorOut))


class ImportLineErrorOut(Schema):
    line = Integer(metadata={"description": "the line of the file it starts on (1 is the header)"})
    field = String(
        allow_none=True,
        metadata={"description": "the column at fault; null when the whole line is (not CSV)"},
    )
    detail = String()


class StoreImportOut(Schema):
    id = String()
    brand_id = String()
    status = String(
        metadata={
            "enum": ["queued", "running", "done", "failed"],
            "description": "failed: the file could not be read to the end (`detail` says "
            "why); lines committed before stay imported",
        }
    )
    total = Integer(
        allow_none=True,
        metadata={"description": "data lines in the file, blank ones aside; null until counted"},
    )
    processed = Integer(metadata={"description": "lines handled so far, good or bad"})
    created = Integer()
    updated = Integer(metadata={"description": "stores of a known external_ref that changed"})
    error_count = Integer(metadata={"description": "all errors; `errors` lists the first 1000"})
    errors = List(Nested(ImportLineErrorOut))
    detail = String(allow_none=True)
    created_at = DateTime()
    started_at = DateTime(allow_none=True)
    finished_at = DateTime(allow_none=True)
