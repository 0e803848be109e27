"""Shapes of the ledger check endpoints."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import DateTime, Dict, Integer, List, Nested, String

from backend.reconciliation.models import RUN_STATUSES, TRIGGERS


class LedgerCheckResultOut(Schema):
    name = String(metadata={"description": "the invariant checked"})
    problems = List(
        String(), metadata={"description": "its discrepancies, in words (the first 100)"}
    )
    count = Integer(metadata={"description": "how many discrepancies it found in all"})


class LedgerCheckOut(Schema):
    id = String()
    status = String(
        metadata={"enum": list(RUN_STATUSES), "description": "passed: no discrepancy at all"}
    )
    trigger = String(metadata={"enum": list(TRIGGERS)})
    created_at = DateTime()
    started_at = DateTime(allow_none=True)
    finished_at = DateTime(allow_none=True)
    problems = List(
        String(), metadata={"description": "every check's discrepancies kept, in check order"}
    )
    checks = List(
        Nested(LedgerCheckResultOut),
        metadata={"description": "each invariant in the order it ran; empty until finished"},
    )
    covered = Dict(
        keys=String(),
        values=Integer(),
        metadata={"description": "what the check read: transactions, entries, accounts, ..."},
    )
