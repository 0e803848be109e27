"""HTTP endpoints: earnings and balances: what each worker and campaign has, from the ledger."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.ledger import queries
from backend.ledger.schemas import EarningsOut
from backend.schemas import PageQuery

bp = APIBlueprint("ledger", __name__, url_prefix="/api/v1", tag="Money")


@bp.get("/me/earnings")
@bp.auth_required(auth, roles=["worker"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(EarningsOut)
@bp.doc(summary="The caller's balance and ledger lines, newest first", responses=[401, 403, 422])
def my_earnings(query: dict[str, Any]) -> Any:
    return queries.earnings(db_session=request_session(), worker_id=current_user().id, **query)
