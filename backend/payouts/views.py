"""HTTP endpoints: payout requests and batches."""

from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("payouts", __name__, url_prefix="/api/v1", tag="Payouts")
