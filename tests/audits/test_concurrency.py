"""Twenty audits of one sample at once: one is recorded, the others are told by whom."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
from sqlalchemy import func, select

from backend.audits.models import Audit
from tests.support.load import fire


@pytest.mark.gunicorn_workers(4)
def test_20_concurrent_audits_of_one_sample_record_one(db, validated, admin, gunicorn):
    done = validated()
    admins = [admin(f"Admin {i}") for i in range(4)]
    tokens = [headers["Authorization"].removeprefix("Bearer ") for _, headers in admins]
    url = f"{gunicorn}/review/audits/{done.submission_id}"
    agree = {"agree": True}
    disagree = {"agree": False, "reason_code": "wrong_store"}
    jobs = [(url, tokens[i % 4], None, disagree if i % 3 == 0 else agree) for i in range(20)]
    with ProcessPoolExecutor(4) as pool:
        results = fire(pool, jobs)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19, results
    (winner,) = [body for status, body in results if status == 200]
    losers = [body for status, body in results if status == 409]
    assert {body["code"] for body in losers} == {"already_audited"}
    assert {body["audited_by"]["id"] for body in losers} == {winner["audited_by"]["id"]}
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Audit)) == 1
        assert session.get_one(Audit, done.submission_id).agree is winner["agree"]
