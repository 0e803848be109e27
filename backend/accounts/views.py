"""HTTP endpoints for accounts: parse, call one service, answer."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from apiflask import APIBlueprint
from flask import request

from backend.accounts import recovery, rules, service
from backend.accounts.auth import auth, current_token, current_user
from backend.accounts.models import LOCALES
from backend.accounts.schemas import (
    PasswordChangeIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RegisterIn,
    TokenIn,
    TokenOut,
    UserOut,
    VerifyEmailIn,
)
from backend.db import read_snapshot, request_session
from backend.extensions import limiter
from backend.kernel.clock import utcnow
from backend.settings import current_settings

bp = APIBlueprint("accounts", __name__, url_prefix="/api/v1", tag="Accounts")


def _login_rate() -> str:
    return current_settings().login_rate_limit


def _register_rate() -> str:
    return current_settings().register_rate_limit


def _login_email_key() -> str:
    return _email_key("login")


def _reset_email_key() -> str:
    return _email_key("reset")


def _email_key(prefix: str) -> str:
    """The limiter's key for the address a request names: a keyed hash of it, so the limit
    still counts per address while Redis (and anything that reports its commands) never
    holds the address itself."""
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    if not email:
        return f"{prefix}:-"
    key = current_settings().secret_key.encode()
    digest = hmac.new(key, str(email).strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"{prefix}:{digest}"


def _request_locale() -> str:
    """The caller's language among those mail is written in, from Accept-Language."""
    asked = [tag for tag, quality in request.accept_languages if quality > 0]
    return rules.best_locale(asked, LOCALES)


@bp.post("/auth/register")
@limiter.limit(_register_rate)
@bp.input(RegisterIn, arg_name="data")
@bp.output(UserOut, status_code=201)
@bp.doc(
    summary="Create a worker or brand account",
    description="The new account's address is not verified yet (`email_verified: false`): "
    "a link to verify it is mailed (`{FAIRFIELD_PUBLIC_URL}/verify-email?token=...`), in the "
    "account's `locale`. Everything works meanwhile but asking for a payout. Rate limited "
    "per client address (FAIRFIELD_REGISTER_RATE_LIMIT): 429 with Retry-After beyond it.",
    responses=[409, 422, 429],
)
def register(data: dict[str, Any]) -> Any:
    locale = data.pop("locale", None) or _request_locale()
    return service.register_user(db_session=request_session(), locale=locale, **data)


@bp.post("/auth/token")
@limiter.limit(_login_rate)
@limiter.limit(_login_rate, key_func=_login_email_key)
@bp.input(TokenIn, arg_name="data")
@bp.output(TokenOut)
@bp.doc(summary="Exchange email and password for a bearer token", responses=[401, 422, 429])
def token(data: dict[str, Any]) -> Any:
    ttl = current_settings().token_ttl_seconds
    # The slow part, verifying the password, reads apart and holds no write lock.
    with read_snapshot() as snapshot:
        credentials = service.check_password(db_session=snapshot, **data)
    raw, _row = service.issue_token(
        db_session=request_session(), credentials=credentials, ttl_seconds=ttl
    )
    return {"access_token": raw, "token_type": "Bearer", "expires_in": ttl}


@bp.post("/auth/logout")
@bp.auth_required(auth)
@bp.output({}, status_code=204, description="Signed out; the token no longer works")
@bp.doc(
    summary="Sign out: the bearer token used stops working at once",
    description="Deletes the token this request was sent with; other sessions stay open.",
    responses=[401],
)
def logout() -> Any:
    service.revoke_token(db_session=request_session(), token=current_token())
    return ""


@bp.post("/auth/password-reset")
@limiter.limit(_login_rate)
@limiter.limit(_login_rate, key_func=_reset_email_key)
@bp.input(PasswordResetIn, arg_name="data")
@bp.output({}, status_code=202, description="Taken; a link is mailed if an account has it")
@bp.doc(
    summary="Ask for a mail with a link to choose a new password",
    description="Answers 202 whatever the address, so nobody learns which addresses have an "
    "account; the mail goes only to an account's address: a link "
    "`{FAIRFIELD_PUBLIC_URL}/reset-password?token=...`, single use, working "
    "FAIRFIELD_PASSWORD_RESET_TTL_SECONDS, in the account's language. Rate limited like "
    "sign-in (FAIRFIELD_LOGIN_RATE_LIMIT), per client address and per email.",
    responses=[422, 429],
)
def password_reset(data: dict[str, Any]) -> Any:
    recovery.request_password_reset(
        db_session=request_session(), email=data["email"], locale=_request_locale()
    )
    return ""


@bp.post("/auth/password-reset/confirm")
@limiter.limit(_login_rate)
@bp.input(PasswordResetConfirmIn, arg_name="data")
@bp.output({}, status_code=204, description="Password changed; every session ended")
@bp.doc(
    summary="Choose a new password with the token of a reset link",
    description="Every session of the account ends (its bearer tokens stop working), and the "
    "address counts as verified. 422 `invalid_token`, naming `token`, for a token used "
    "already, expired or unknown alike; 422 naming `password` for a password the rules of "
    "registration refuse (the token then stays usable).",
    responses=[422, 429],
)
def password_reset_confirm(data: dict[str, Any]) -> Any:
    recovery.reset_password(db_session=request_session(), now=utcnow(), **data)
    return ""


@bp.post("/auth/verify-email")
@limiter.limit(_login_rate)
@bp.input(VerifyEmailIn, arg_name="data")
@bp.output({}, status_code=204, description="The address is verified")
@bp.doc(
    summary="Verify the account's address with the token of the mailed link",
    description="422 `invalid_token`, naming `token`, for a token used already, expired or "
    "unknown alike. Needs no bearer token: the link may be opened on another device.",
    responses=[422, 429],
)
def verify_email(data: dict[str, Any]) -> Any:
    recovery.verify_email(db_session=request_session(), token=data["token"], now=utcnow())
    return ""


@bp.post("/me/verification-email")
@bp.auth_required(auth)
@limiter.limit(_login_rate)
@bp.output({}, status_code=202, description="Taken; the link is mailed unless verified")
@bp.doc(
    summary="Mail the link that verifies the caller's address again",
    description="A new link (earlier ones keep working until they expire, "
    "FAIRFIELD_EMAIL_VERIFICATION_TTL_SECONDS). When the address is verified already, "
    "nothing is sent and the answer is the same.",
    responses=[401, 429],
)
def resend_verification() -> Any:
    service.send_verification(db_session=request_session(), user=current_user())
    return ""


@bp.post("/me/password")
@bp.auth_required(auth)
@limiter.limit(_login_rate)
@bp.input(PasswordChangeIn, arg_name="data")
@bp.output({}, status_code=204, description="Password changed; other sessions ended")
@bp.doc(
    summary="Change the caller's password",
    description="The session this request was sent with stays open; every other one ends, and "
    "reset links not used yet stop working. 422 `wrong_password`, naming `current_password`, "
    "when it does not match; 422 naming `new_password` for a password the rules of "
    "registration refuse; 409 `password_changed` when another request changed it meanwhile.",
    responses=[401, 409, 422, 429],
)
def change_password(data: dict[str, Any]) -> Any:
    recovery.change_password(
        db_session=request_session(), user=current_user(), keep_token=current_token(), **data
    )
    return ""
