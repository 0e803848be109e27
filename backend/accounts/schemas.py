"""Request and response shapes for accounts."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Email, Integer, Nested, String
from apiflask.validators import Length, OneOf

from backend.accounts.models import LOCALES
from backend.accounts.rules import PASSWORD_MAX, PASSWORD_MIN

_LOCALE_DOC = {"description": "The language of the mail sent to this account: en, fr or nl"}
_NOTIFY_DOC = {
    "description": "Whether the worker's notices are mailed (a submission approved or "
    "rejected, an appeal decided, a payout sent); default true. Account mail (password "
    "reset, address verification) is sent whatever this says"
}


class RegisterIn(Schema):
    email = Email(required=True, validate=Length(max=254))
    password = String(required=True, validate=Length(min=PASSWORD_MIN, max=PASSWORD_MAX))
    role = String(required=True, validate=OneOf(["worker", "brand"]))
    display_name = String(required=True, validate=Length(min=1, max=100))
    brand_name = String(load_default=None, allow_none=True, validate=Length(max=200))
    locale = String(
        load_default=None,
        validate=OneOf(LOCALES),
        metadata={
            "description": "The language of the account's mail (en, fr, nl); left out, the "
            "best match of Accept-Language, else en"
        },
    )


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
    email_verified = Boolean(
        metadata={"description": "The link mailed to the address was opened; payouts need it"}
    )
    locale = String(metadata=_LOCALE_DOC)
    notify_by_email = Boolean(metadata=_NOTIFY_DOC)


class TokenIn(Schema):
    email = String(required=True, validate=Length(min=1, max=254))
    password = String(required=True, validate=Length(min=1, max=256))


class TokenOut(Schema):
    access_token = String()
    token_type = String()
    expires_in = Integer()


class PasswordResetIn(Schema):
    email = Email(required=True, validate=Length(max=254))


class PasswordResetConfirmIn(Schema):
    token = String(
        required=True,
        validate=Length(min=1, max=200),
        metadata={"description": "The `token` of the link mailed by POST /auth/password-reset"},
    )
    password = String(
        required=True,
        validate=Length(min=PASSWORD_MIN, max=PASSWORD_MAX),
        metadata={"description": "The new password (the rules of registration)"},
    )


class VerifyEmailIn(Schema):
    token = String(
        required=True,
        validate=Length(min=1, max=200),
        metadata={"description": "The `token` of the link mailed to verify the address"},
    )


class PasswordChangeIn(Schema):
    current_password = String(required=True, validate=Length(min=1, max=PASSWORD_MAX))
    new_password = String(required=True, validate=Length(min=PASSWORD_MIN, max=PASSWORD_MAX))


class ProfileIn(Schema):
    display_name = String(validate=Length(min=1, max=100))
    locale = String(validate=OneOf(LOCALES), metadata=_LOCALE_DOC)
    notify_by_email = Boolean(metadata=_NOTIFY_DOC)
