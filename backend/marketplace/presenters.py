"""What the API shows of missions, claims and assignments, built from what services return.

Presenters are pure: what they show is given to them (a task, a link); queries.py reads it.
"""

from __future__ import annotations

from typing import Any

from backend.marketplace import rules, task
from backend.marketplace.service import Card, Claim
from backend.missions.models import Assignment


def mission_out(
    card: Card,
    *,
    distance: float | None,
    speed_kmh: float,
    products: int,
    questions: int,
    scorecard_url: str,
) -> dict[str, Any]:
    """A mission as a worker sees it before claiming: pay (the bonus included), the time it
    takes, pay per hour with the trip there when the worker's position is known, and the
    task in counts (`products` and `questions`: how many the campaign has)."""
    currency = card.reward_currency
    pay = card.reward_amount_minor + card.bonus_minor
    estimate = rules.estimate(
        est_minutes=card.est_minutes, distance_m=distance, speed_kmh=speed_kmh
    )
    rate = None
    if estimate.travel_minutes is not None:
        rate = {
            "amount_minor": rules.effective_hourly_rate(
                pay_minor=pay,
                est_minutes=card.est_minutes,
                travel_minutes=estimate.travel_minutes,
            ),
            "currency": currency,
        }
    return {
        "id": card.id,
        "status": card.status,
        "store": {
            "id": card.store_id,
            "name": card.store_name,
            "address": card.store_address,
            "latitude": card.store_latitude,
            "longitude": card.store_longitude,
        },
        "distance_m": estimate.distance_m,
        "reward": {"amount_minor": pay, "currency": currency},
        "bonus": {"amount_minor": card.bonus_minor, "currency": currency},
        "est_minutes": card.est_minutes,
        "estimate": estimate._asdict(),
        "ends_at": card.ends_at,
        "effective_hourly_rate": rate,
        # How this brand treats workers, one request away, before anyone claims.
        "brand": {"id": card.brand_id, "scorecard_url": scorecard_url},
        "campaign_id": card.campaign_id,
        "campaign_name": card.campaign_name,
        "instructions": card.instructions,
        "task_summary": task.summary(
            products=products, questions=questions, photos_required=card.photos_required
        ),
    }


def claim_out(claim: Claim, *, whole_task: dict[str, Any]) -> dict[str, Any]:
    """A claim as its worker sees it: how long it holds, and the task, since what the worker
    now holds is what they must do."""
    return claim._asdict() | {"window": claim.window._asdict(), "task": whole_task}


def assignment_out(
    assignment: Assignment, *, whole_task: dict[str, Any], store: dict[str, Any]
) -> dict[str, Any]:
    """An assignment as its worker sees it, with its mission's store and task."""
    return {
        "id": assignment.id,
        "mission_id": assignment.mission_id,
        "status": assignment.status,
        "created_at": assignment.created_at,
        "expires_at": assignment.expires_at,
        "ended_at": assignment.ended_at,
        "store": store,
        "task": whole_task,
    }
