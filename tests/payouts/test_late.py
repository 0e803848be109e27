"""`fairfield payouts late`: the requests a worker has waited on longer than the SLA."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from backend.payouts.models import PayoutRequest
from tests.support.payouts import PAYOUTS, payout_body


def test_the_cli_reports_requests_unpaid_past_the_sla(app, client, db, person, credit):
    worker = person()
    credit(worker.id, 1500)
    made = client.post(PAYOUTS, json=payout_body(), headers=worker.headers)
    assert made.status_code == 201, made.json
    runner = app.test_cli_runner()
    on_time = runner.invoke(args=["payouts", "late"])
    assert on_time.exit_code == 0, on_time.output
    assert "no payout request is late (SLA 7 days)" in on_time.output
    with db.transaction() as session:
        requested = session.get_one(PayoutRequest, made.json["id"]).requested_at
        session.execute(
            update(PayoutRequest)
            .where(PayoutRequest.id == made.json["id"])
            .values(requested_at=requested - timedelta(days=8))
        )
    late = runner.invoke(args=["payouts", "late"])
    assert late.exit_code == 1
    assert made.json["id"] in late.output
    assert "15.00 EUR  pending" in late.output
    assert "(8 days)" in late.output
