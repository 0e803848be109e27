"""Fifty admins approving one submission at once: one approval, one payment."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import func, select

from backend.ledger.models import LedgerTransaction
from backend.submissions.models import Decision, Submission
from tests.support.load import fire


@pytest.mark.gunicorn_workers(4)
def test_50_concurrent_approvals_make_one_decision_and_one_payment(db, in_review, admin, gunicorn):
    waiting = in_review()
    tokens = [admin()["Authorization"].removeprefix("Bearer ") for _ in range(5)]
    url = f"{gunicorn}/submissions/{waiting.submission_id}/decision"
    jobs = [
        (url, tokens[i % 5], f"approve-{i}" if i % 2 else None, {"decision": "approve"})
        for i in range(50)
    ]
    with ProcessPoolExecutor(4) as pool:
        results = fire(pool, jobs)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 49, results
    assert {body["code"] for status, body in results if status == 409} == {"already_decided"}
    with db.transaction(write=False) as session:
        assert session.get_one(Submission, waiting.submission_id).status == "approved"
        decisions = select(func.count()).where(
            Decision.submission_id == waiting.submission_id, Decision.actor == "admin"
        )
        assert session.scalar(decisions) == 1
        credits = select(func.count()).where(
            LedgerTransaction.submission_id == waiting.submission_id,
            LedgerTransaction.kind == "submission_credit",
        )
        assert session.scalar(credits) == 1
