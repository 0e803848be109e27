"""What the API shows of missions and assignments that needs reading: a mission with its
whole task, a page of assignments with theirs. Reads only; presenters.py shapes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import geo
from backend.accounts.models import User
from backend.kernel.scoping import get_visible
from backend.marketplace import presenters, rules, service, task
from backend.missions.models import Assignment, Mission
from backend.stores.models import Store
from backend.urls import scorecard_url


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
    shown = presenters.mission_out(
        card,
        distance=distance,
        speed_kmh=window.speed_kmh,
        products=len(whole["products"]),
        questions=len(whole["questions"]),
        scorecard_url=scorecard_url(card.brand_id),
    )
    held = rules.claim_window(
        travel_minutes=shown["estimate"]["travel_minutes"] or 0,
        est_minutes=card.est_minutes,
        policy=window,
    )
    return shown | {"task": whole, "claim_window": held._asdict()}


def claim_with_task(*, db_session: Session, claim: service.Claim) -> dict[str, Any]:
    """A claim as its worker sees it, with the task of the mission now held."""
    whole = task.of_mission(db_session=db_session, mission_id=claim.mission_id)
    return presenters.claim_out(claim, whole_task=whole)


def assignments_page(
    *, db_session: Session, user: User, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The caller's assignments, newest first, a page at a time, each with its task."""
    found = service.list_assignments(db_session=db_session, user=user, limit=limit, cursor=cursor)
    assignments: list[Assignment] = found["items"]
    missions = {a.mission_id for a in assignments}
    tasks = task.by_mission(db_session=db_session, mission_ids=missions)
    stores = stores_by_mission(db_session=db_session, mission_ids=missions)
    items = [
        presenters.assignment_out(a, whole_task=tasks[a.mission_id], store=stores[a.mission_id])
        for a in assignments
    ]
    return found | {"items": items}


def assignment_detail(*, db_session: Session, assignment_id: str, user: User) -> dict[str, Any]:
    """One of the caller's assignments with its store and task (404 for anyone else's)."""
    assignment = get_visible(db_session, Assignment, assignment_id, user)
    missions = {assignment.mission_id}
    return presenters.assignment_out(
        assignment,
        whole_task=task.of_mission(db_session=db_session, mission_id=assignment.mission_id),
        store=stores_by_mission(db_session=db_session, mission_ids=missions)[assignment.mission_id],
    )


def stores_by_mission(*, db_session: Session, mission_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The store of each mission, as a worker sees it (name, address, position), by mission id."""
    if not mission_ids:
        return {}
    rows = db_session.execute(
        select(Mission.id, Store.id, Store.name, Store.address, Store.latitude, Store.longitude)
        .join(Store, Store.id == Mission.store_id)
        .where(Mission.id.in_(mission_ids))
    )
    return {
        mission_id: {
            "id": store_id,
            "name": name,
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
        }
        for mission_id, store_id, name, address, latitude, longitude in rows
    }
