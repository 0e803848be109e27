"""HTTP endpoints for accounts: parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request

from backend.accounts import service
from backend.accounts.auth import auth, current_token
from backend.accounts.schemas import RegisterIn, TokenIn, TokenOut, UserOut
from backend.db import read_snapshot, request_session
from backend.extensions import limiter
from backend.settings import current_settings

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
