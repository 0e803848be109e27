"""Marking a batch paid keeps each request's delay for the fairness figures, to the float
Python computes from its two times."""

from __future__ import annotations

from sqlalchemy import select

from backend.payouts.models import PayoutRequest
from tests.support.payouts import BATCHES, PAYOUTS, payout_body


def test_mark_paid_keeps_each_request_s_seconds_from_request_to_payment(client, person, credit, db):
    admin = person("admin")
    for amount in (1500, 2500):
        worker = person()
        credit(worker.id, amount)
        made = client.post(PAYOUTS, json=payout_body(), headers=worker.headers)
        assert made.status_code == 201, made.json
    batch = client.post(BATCHES, headers=admin.headers).json
    with db.transaction(write=False) as session:
        assert session.scalars(select(PayoutRequest.paid_after_seconds)).all() == [None, None]

    assert (
        client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin.headers).status_code == 200
    )

    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                PayoutRequest.requested_at, PayoutRequest.paid_at, PayoutRequest.paid_after_seconds
            )
        ).all()
    assert len(rows) == 2
    for requested, paid, seconds in rows:
        assert seconds == (paid - requested).total_seconds()
    # The figures read them as kept: what they would be from the two times.
    delays = sorted(seconds for _, _, seconds in rows)
    report = client.get("/api/v1/admin/fairness", headers=admin.headers).json["time_to_payout"]
    assert report == {
        "count": 2,
        "median_seconds": delays[0] + (delays[1] - delays[0]) * 0.5,
        "p90_seconds": delays[0] + (delays[1] - delays[0]) * 0.9,
    }
