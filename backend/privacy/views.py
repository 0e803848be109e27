"""HTTP endpoints for the caller's own account: see it, take it away, erase it.

Documented under Accounts, as they always were; served here, above every feature they read."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts import recovery
from backend.accounts.auth import auth, current_user
from backend.accounts.schemas import ProfileIn
from backend.db import request_session
from backend.kernel.clock import utcnow
from backend.privacy import profile, queries, service
from backend.privacy.schemas import ErasedOut, ExportOut, MeOut
from backend.settings import current_settings
from backend.storage import photo_store

bp = APIBlueprint("privacy", __name__, url_prefix="/api/v1", tag="Accounts")


@bp.get("/me")
@bp.auth_required(auth)
@bp.output(MeOut)
@bp.doc(summary="The caller's profile", responses=[401])
def me() -> Any:
    return profile.profile(db_session=request_session(), user=current_user())


@bp.patch("/me")
@bp.auth_required(auth)
@bp.input(ProfileIn, arg_name="data")
@bp.output(MeOut)
@bp.doc(
    summary="Change the caller's display name, the language of their mail, or their notices",
    description="Fields left out stay as they are. `notify_by_email: false` stops the "
    "worker's notices by mail (decisions, appeal outcomes, payouts sent), from the next one "
    "on, including any not sent yet; `true` turns them back on. 422 naming `display_name` "
    "when blank, `locale` when not one of en, fr, nl, `notify_by_email` when not a boolean. "
    "Answers the profile, as GET /me.",
    responses=[401, 422],
)
def update_me(data: dict[str, Any]) -> Any:
    user = recovery.update_profile(db_session=request_session(), user=current_user(), **data)
    return profile.profile(db_session=request_session(), user=user)


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
    return queries.account_export(
        db_session=request_session(),
        user=current_user(),
        now=utcnow(),
        link_ttl_seconds=current_settings().export_link_ttl_seconds,
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
    return service.erase_account(
        db_session=request_session(), user=current_user(), store=photo_store(), now=utcnow()
    )
