"""The ledger check as a task: run it on demand, read the latest or one run."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.kernel.clock import utcnow
from backend.reconciliation import queries, service
from backend.reconciliation.presenters import ledger_check_out
from backend.reconciliation.schemas import LedgerCheckOut

bp = APIBlueprint("reconciliation", __name__, url_prefix="/api/v1", tag="Money")


@bp.post("/admin/ledger-checks")
@bp.auth_required(auth, roles=["admin"])
@bp.output(
    LedgerCheckOut, status_code=202, description="The run queued, or the one already in flight"
)
@bp.doc(
    summary="Run the ledger check as a task; poll the run for its result",
    description=(
        "Queues a run (`status: queued`) whose task a worker picks up once this request "
        "commits: `running`, then `passed` (no discrepancy) or `failed` (each check lists "
        "what it found). While a run is queued or running, this answers that run rather "
        "than queue a second. Beat also runs it nightly (`trigger: nightly`)."
    ),
    responses=[401, 403],
)
def request_ledger_check() -> Any:
    run = service.request_ledger_check(
        db_session=request_session(), trigger="manual", requested_by=current_user().id, now=utcnow()
    )
    return ledger_check_out(run)


@bp.get("/admin/ledger-checks/latest")
@bp.auth_required(auth, roles=["admin"])
@bp.output(LedgerCheckOut)
@bp.doc(
    summary="The ledger check run asked for last, whatever its status",
    description="404 `no_ledger_check` if the check never ran.",
    responses=[401, 403, 404],
)
def latest_ledger_check() -> Any:
    return ledger_check_out(queries.latest_or_404(db_session=request_session()))


@bp.get("/admin/ledger-checks/<run_id>")
@bp.auth_required(auth, roles=["admin"])
@bp.output(LedgerCheckOut)
@bp.doc(summary="One ledger check run: its status and what it found", responses=[401, 403, 404])
def get_ledger_check(run_id: str) -> Any:
    return ledger_check_out(queries.run(db_session=request_session(), run_id=run_id))
