"""JSON shapes of ledger check runs."""

from __future__ import annotations

from typing import Any

from backend.reconciliation.models import LedgerCheckRun


def ledger_check_out(run: LedgerCheckRun) -> dict[str, Any]:
    """A run: its status, when it ran, and each check with what it found."""
    return {
        "id": run.id,
        "status": run.status,
        "trigger": run.trigger,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "problems": list(run.problems or []),
        "checks": [
            {"name": c["name"], "problems": list(c["problems"]), "count": c["count"]}
            for c in run.checks or []
        ],
        "covered": dict(run.covered or {}),
    }
