"""Shapes shared by every feature: money, list pages, the links of a photo, a problem."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Dict, Integer, String
from apiflask.validators import Length, Range, Regexp
from marshmallow import INCLUDE

from backend.pagination import LIMIT_MAX


class Money(Schema):
    amount_minor = Integer(required=True, strict=True, validate=Range(min=0, max=10**12))
    currency = String(required=True, validate=Regexp(r"^[A-Z]{3}$"))


class Problem(Schema):
    """A problem+json answer (RFC 9457) as a feature documents one of its own: the members
    every problem has; a feature's problem adds what its code names."""

    class Meta:
        unknown = INCLUDE  # a problem may carry members beyond these

    type = String()
    title = String()
    status = Integer()
    detail = String()
    code = String()
    errors = Dict()


class PageQuery(Schema):
    limit = Integer(load_default=50, validate=Range(min=1, max=LIMIT_MAX))
    cursor = String(load_default=None, validate=Length(max=500))


_SIGNED = (
    " A signed link: it works without an Authorization header until it expires "
    "(FAIRFIELD_PHOTO_LINK_TTL_SECONDS; in exports FAIRFIELD_EXPORT_LINK_TTL_SECONDS), for "
    "the user it was made for, while that user may still see the photo; ask again for a "
    "fresh one."
)


class PhotoLinks(Schema):
    """The links every photo object carries; a feature's photo shape adds what it tells."""

    url = String(
        metadata={"description": "The full-size image (for a brand, without metadata)." + _SIGNED}
    )
    review_url = String(
        metadata={"description": "About 1600 px on the long side, without metadata." + _SIGNED}
    )
    thumbnail_url = String(
        metadata={"description": "About 320 px on the long side, without metadata." + _SIGNED}
    )
