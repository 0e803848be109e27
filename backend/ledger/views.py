"""HTTP endpoints: earnings and balances: what each worker and campaign has, from the ledger."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from backend.accounts.access import requires_owner, requires_role
from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.errors import Invalid
from backend.idempotency.service import idempotent
from backend.kernel.clock import utcnow
from backend.kernel.money import Money
from backend.ledger import queries, service
from backend.ledger.schemas import BrandBalanceOut, EarningsOut, TopUpIn
from backend.organisations.acts import record_act
from backend.schemas import PageQuery

bp = APIBlueprint("ledger", __name__, url_prefix="/api/v1", tag="Money")


@bp.get("/me/earnings")
@bp.auth_required(auth, roles=["worker"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(EarningsOut)
@bp.doc(summary="The caller's balance and ledger lines, newest first", responses=[401, 403, 422])
def my_earnings(query: dict[str, Any]) -> Any:
    found = queries.earnings(db_session=request_session(), worker_id=current_user().id, **query)
    # Fifty lines through marshmallow took a third of the request. earnings() already builds
    # EarningsOut's shape (a test holds the two equal), so it goes out as JSON as it is; the
    # schema still documents it.
    return current_app.json.response(found)


@bp.get("/organisation/balance")
@bp.auth_required(auth, roles=["brand"])
@requires_role("owner", "manager", "viewer")
@bp.output(BrandBalanceOut)
@bp.doc(
    summary="The organisation's balance, which funds its recurring campaigns' rounds",
    description="Any member may read it (not an API key).",
    responses=[401, 403],
)
def brand_balance() -> Any:
    brand_id = current_user().brand_id
    assert brand_id is not None
    return {"balance": service.brand_balance(db_session=request_session(), brand_id=brand_id)}


@bp.post("/organisation/balance/top-ups")
@bp.auth_required(auth, roles=["brand"])
@requires_owner
@idempotent
@bp.input(TopUpIn, arg_name="data")
@bp.output(BrandBalanceOut, status_code=201)
@bp.doc(
    summary="Pay into the organisation's balance (owners only; the bank is mocked)",
    description=(
        "A recurring campaign's next round is funded from the balance when it opens; one the "
        "balance cannot cover waits (the campaign's `rounds.hold`) and opens at the next "
        "check after a top-up. 422 naming `amount.amount_minor` for zero, "
        "`amount.currency` for a currency other than EUR. Send an `Idempotency-Key`: a "
        "retried top-up is paid in once. The organisation's audit log says "
        "`balance.topped_up`."
    ),
    responses=[401, 403, 422],
)
def top_up_balance(data: dict[str, Any]) -> Any:
    amount = data["amount"]
    errors = {}
    if amount["amount_minor"] <= 0:
        errors["amount.amount_minor"] = ["Must be more than zero."]
    if amount["currency"] != service.HOME_CURRENCY:
        errors["amount.currency"] = [f"Must be {service.HOME_CURRENCY}."]
    if errors:
        raise Invalid("The top-up is not valid.", errors=errors)
    brand_id = current_user().brand_id
    assert brand_id is not None
    session = request_session()
    transaction_id = service.top_up_brand(
        db_session=session,
        brand_id=brand_id,
        amount=Money(amount["amount_minor"], amount["currency"]),
        now=utcnow(),
    )
    record_act(
        db_session=session,
        brand_id=brand_id,
        action="balance.topped_up",
        target_type="ledger_transaction",
        target_id=transaction_id,
        detail={"amount": amount},
    )
    return {"balance": service.brand_balance(db_session=session, brand_id=brand_id)}
