"""HTTP endpoints: earnings and balances: what each worker and campaign has, from the ledger."""

from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("ledger", __name__, url_prefix="/api/v1", tag="Money")
