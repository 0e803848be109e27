"""Request and response shapes for accounts."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Email, Integer, Nested, String
from apiflask.validators import Length, OneOf

from backend.accounts.rules import PASSWORD_MAX, PASSWORD_MIN


class RegisterIn(Schema):
    email = Email(required=True, validate=Length(max=254))
    password = String(required=True, validate=Length(min=PASSWORD_MIN, max=PASSWORD_MAX))
    role = String(required=True, validate=OneOf(["worker", "brand"]))
    display_name = String(required=True, validate=Length(min=1, max=100))
    brand_name = String(load_default=None, allow_none=True, validate=Length(max=200))


class BrandOut(Schema):
    id = String()
    name = String()


class UserOut(Schema):
    id = String()
    email = String()
    role = String()
    display_name = String()
    brand = Nested(BrandOut, allow_none=True)
    created_at = DateTime()


class TokenIn(Schema):
    email = String(required=True, validate=Length(min=1, max=254))
    password = String(required=True, validate=Length(min=1, max=256))


class TokenOut(Schema):
    access_token = String()
    token_type = String()
    expires_in = Integer()
