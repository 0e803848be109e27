"""What the API shows of missions, claims and assignments, built from what services return."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from backend import geo
from backend.accounts.models import User
from backend.missions import rules, service, task
from backend.missions.models import Assignment
from backend.missions.service import Card, Claim
from backend.urls import scorecard_url


def present(
    card: Card, *, distance: float | None, speed_kmh: float, products: int
) -> dict[str, Any]:
    """A mission as a worker sees it before claiming: pay (the bonus included), the time it
    takes, pay per hour with the trip there when the worker's position is known, and the
    task in counts (`products` is how many the campaign counts)."""
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
        "brand": {
            "id": card.brand_id,
            "scorecard_url": scorecard_url(card.brand_id),
        },
        "campaign_id": card.campaign_id,
        "campaign_name": card.campaign_name,
        "instructions": card.instructions,
        "task_summary": task.summary(products=products, photos_required=card.photos_required),
    }


def mission_detail(
    *,
    db_session: Session,
    mission_id: str,
    user: User,
    position: tuple[float, float] | None,
    window: rules.WindowPolicy,
) -> dict[str, Any]:
    """One mission with its whole task, and how long a claim made now from `position` (no
    travel without one) would hold."""
    card = service.get_mission(db_session=db_session, mission_id=mission_id, user=user)
    distance = None
    if position is not None:
        distance = geo.great_circle_m(position, (card.store_latitude, card.store_longitude))
    whole = task.of_mission(db_session=db_session, mission_id=card.id)
    shown = present(
        card, distance=distance, speed_kmh=window.speed_kmh, products=len(whole["products"])
    )
    held = rules.claim_window(
        travel_minutes=shown["estimate"]["travel_minutes"] or 0,
        est_minutes=card.est_minutes,
        policy=window,
    )
    return shown | {"task": whole, "claim_window": held._asdict()}


def claim_answer(*, db_session: Session, claim: Claim) -> dict[str, Any]:
    """A claim as its worker sees it: how long it holds, and the task, since what the worker
    now holds is what they must do."""
    return claim._asdict() | {
        "window": claim.window._asdict(),
        "task": task.of_mission(db_session=db_session, mission_id=claim.mission_id),
    }


def assignments_page(*, db_session: Session, found: dict[str, Any]) -> dict[str, Any]:
    """A page of assignments (as `service.list_assignments` finds them), each with its task."""
    assignments: list[Assignment] = found["items"]
    tasks = task.by_mission(db_session=db_session, mission_ids={a.mission_id for a in assignments})
    items = [
        {
            "id": a.id,
            "mission_id": a.mission_id,
            "status": a.status,
            "created_at": a.created_at,
            "expires_at": a.expires_at,
            "ended_at": a.ended_at,
            "task": tasks[a.mission_id],
        }
        for a in assignments
    ]
    return found | {"items": items}
