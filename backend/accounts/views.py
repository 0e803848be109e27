"""HTTP endpoints for accounts: parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request

from backend.accounts import service
from backend.accounts.auth import auth, current_user
from backend.accounts.schemas import (
    ErasedOut,
    ExportOut,
    MeOut,
    RegisterIn,
    TokenIn,
    TokenOut,
    UserOut,
)
from backend.db import read_snapshot, request_session
from backend.extensions import limiter
from backend.kernel.clock import utcnow
from backend.privacy import queries as privacy_queries
from backend.privacy import service as privacy
from backend.settings import current_settings
from backend.storage import photo_store

bp = APIBlueprint("accounts", __name__, url_prefix="/api/v1", tag="Accounts")


def _login_rate() -> str:
    return current_settings().login_rate_limit


def _login_email_key() -> str:
    body = request.get_json(silent=True)
    email = body.get("email") if isinstance(body, dict) else None
    return f"login:{str(email).strip().lower()}" if email else "login:-"


@bp.post("/auth/register")
@bp.input(RegisterIn, arg_name="data")
@bp.output(UserOut, status_code=201)
@bp.doc(summary="Create a worker or brand account", responses=[409, 422])
def register(data: dict[str, Any]) -> Any:
    return service.register_user(db_session=request_session(), **data)


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


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(MeOut)
@bp.doc(summary="The caller's profile", responses=[401])
def me() -> Any:
    return service.profile(db_session=request_session(), user=current_user())


@bp.get("/me/export")
@bp.auth_required(auth)
@bp.output(ExportOut)
@bp.doc(
    summary="Everything stored about the caller, as one JSON document",
    description="Profile, assignments, submissions with positions (until reduced), checks, "
    "decisions and photos, appeals, payout requests with the full IBAN, ledger lines, and "
    "API tokens (dates only).",
    responses=[401],
)
def export_me() -> Any:
    return privacy_queries.account_export(
        db_session=request_session(), user=current_user(), now=utcnow()
    )


@bp.delete("/me")
@bp.auth_required(auth, roles=["worker"])
@bp.output(ErasedOut)
@bp.doc(
    summary="Erase the caller's personal data; ledger rows stay, pseudonymised",
    description="Refused with 409 `balance_outstanding` while a balance or a plain payout "
    "request is unpaid, and 409 `submissions_pending` while a submission awaits a decision. "
    "A final payout request (`final: true`, any balance above zero) does not hold it up: its "
    "IBAN, BIC and holder name alone are kept until its batch is marked paid, then erased "
    "too. Afterwards the caller's tokens no longer work.",
    responses=[401, 403, 409],
)
def erase_me() -> Any:
    return privacy.erase_account(
        db_session=request_session(), user=current_user(), store=photo_store(), now=utcnow()
    )
