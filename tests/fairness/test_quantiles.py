"""The figures read along the indexes equal those of every value: a median walked from the
bottom and a 90th percentile from the top, both read in one round trip, for any count; and
the figures of rows with their campaign and payout delay kept (as the write paths keep them)
equal those computed for rows written without them (as the tests' factories write them)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from backend.fairness import rules
from backend.missions.models import Mission
from backend.payouts.models import PayoutRequest
from backend.submissions.models import Submission
from tests.fairness import HOUR, Builder, build_world
from tests.support.factories import BrandFactory, UserFactory

REPORT = "/api/v1/admin/fairness"


@pytest.mark.parametrize("count", [1, 2, 3, 4, 11])
def test_decision_quantiles_equal_the_percentiles_of_every_value(
    client, db, make, auth_headers, count
):
    brand, worker = make(BrandFactory), make(UserFactory)
    admin = make(UserFactory, admin=True)
    builder = Builder(db, worker, admin, datetime.now(UTC))
    campaign = builder.campaign(brand.id, reward=600, est_minutes=15, missions=count)
    hours = [(7 * i) % 13 + 0.25 for i in range(count)]  # unordered, distinct
    for i, spent in enumerate(hours):
        builder.decided(campaign, 1 + i / 10, "approved" if i % 3 else "rejected", spent)
    seconds = [h * HOUR for h in hours]

    decision = client.get(REPORT, headers=auth_headers(admin)).json["time_to_decision"]
    assert decision["count"] == count
    assert decision["median_seconds"] == pytest.approx(rules.percentile(seconds, 0.5))
    assert decision["p90_seconds"] == pytest.approx(rules.percentile(seconds, 0.9))
    card = client.get(f"/api/v1/brands/{brand.id}/scorecard", headers=auth_headers(worker)).json
    assert card["time_to_decision"]["median_seconds"] == decision["median_seconds"]


def _keep_campaigns_and_delays(db):
    """What the write paths keep, written on the factory's rows."""
    with db.transaction() as session:
        of_mission = select(Mission.campaign_id).where(Mission.id == Submission.mission_id)
        session.execute(update(Submission).values(campaign_id=of_mission.scalar_subquery()))
        paid = session.execute(
            select(PayoutRequest.id, PayoutRequest.requested_at, PayoutRequest.paid_at).where(
                PayoutRequest.paid_at.is_not(None)
            )
        ).all()
        for request_id, requested_at, paid_at in paid:
            session.execute(
                update(PayoutRequest)
                .where(PayoutRequest.id == request_id)
                .values(paid_after_seconds=(paid_at - requested_at).total_seconds())
            )


@pytest.mark.parametrize("days", [90, 365])
def test_kept_campaigns_and_delays_give_the_same_figures(client, db, make, auth_headers, days):
    world = build_world(db, make)
    admin, worker = auth_headers(world.admin), auth_headers(world.worker)
    cards = [f"/api/v1/brands/{b.id}/scorecard" for b in (world.brand_a, world.brand_b)]

    def figures():
        report = client.get(REPORT, query_string={"days": days}, headers=admin).json
        scorecards = [
            client.get(card, query_string={"days": days}, headers=worker).json for card in cards
        ]
        return [report | {"window": None}] + [card | {"window": None} for card in scorecards]

    computed = figures()
    _keep_campaigns_and_delays(db)
    kept = figures()
    assert kept == computed
    assert computed[0]["time_to_payout"]["count"] == (3 if days == 365 else 2)
    assert computed[0]["campaigns"][0]["appeals_decided"] == 2
