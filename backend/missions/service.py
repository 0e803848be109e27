"""Mission services: nearby search over a spatial index, exactly-once claims, release, expiry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Table,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import geo
from backend.accounts.auth import scoped
from backend.accounts.models import User
from backend.campaigns.models import Campaign
from backend.errors import Conflict, NotFound
from backend.missions import rules
from backend.missions.models import Assignment, Mission
from backend.pagination import page, paginate
from backend.stores.models import Store

# The R*Tree of open missions on SQLite (migration 0002), keyed by missions.rowid.
_rtree = Table(
    "missions_rtree",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("min_lat", Float),
    Column("max_lat", Float),
    Column("min_lon", Float),
    Column("max_lon", Float),
)


@dataclass(frozen=True)
class Nearby:
    mission: Mission
    store: Store
    campaign: Campaign
    distance_m: float


def _in_window(now: datetime) -> Any:
    return (Campaign.starts_at <= now) & (Campaign.ends_at > now)


def _candidates_sqlite(
    db_session: Session, lat: float, lon: float, radius_m: float, now: datetime
) -> list[tuple[str, float, float]]:
    box = geo.bounding_box(lat, lon, radius_m)
    # An R*Tree entry is a point: inside the box when its corners are.
    lon_filter = (
        or_(*(_rtree.c.min_lon.between(west, east) for west, east in box.lon_ranges))
        if box.lon_ranges
        else true()
    )
    stmt = (
        select(Mission.id, Mission.latitude, Mission.longitude)
        .select_from(_rtree)
        .join(Mission, text("missions.rowid = missions_rtree.id"))
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(
            _rtree.c.min_lat >= box.lat_min,
            _rtree.c.max_lat <= box.lat_max,
            lon_filter,
            Mission.status == "open",
            _in_window(now),
        )
    )
    return [tuple(row) for row in db_session.execute(stmt)]  # type: ignore[misc]


def _nearest_sqlite(
    db_session: Session, lat: float, lon: float, radius_m: float, limit: int, now: datetime
) -> list[tuple[str, float]]:
    # Expanding boxes: a dense city answers from the first small box, the countryside widens.
    for r in rules.search_radii(radius_m):
        candidates = _candidates_sqlite(db_session, lat, lon, r, now)
        found = geo.nearest_within((lat, lon), candidates, r, limit)
        if len(found) >= limit or r >= radius_m:
            return found
    return []


def _nearest_postgresql(
    db_session: Session, lat: float, lon: float, radius_m: float, limit: int, now: datetime
) -> list[tuple[str, float]]:
    point = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography"
    stmt = (
        select(Mission.id, Mission.latitude, Mission.longitude)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(
            Mission.status == "open",
            _in_window(now),
            text(f"ST_DWithin(missions.location, {point}, :radius)"),
        )
        # KNN on the GiST index orders on the sphere; take a margin, then rank geodesically.
        .order_by(text(f"missions.location <-> {point}"))
        .limit(limit * 2 + 10)
    )
    rows = db_session.execute(stmt, {"lon": lon, "lat": lat, "radius": radius_m})
    candidates = [(str(mid), float(mlat), float(mlon)) for mid, mlat, mlon in rows]
    return geo.nearest_within((lat, lon), candidates, radius_m, limit)


def nearest_open_mission_ids(
    *,
    db_session: Session,
    latitude: float,
    longitude: float,
    radius_m: float,
    limit: int,
    now: datetime,
) -> list[tuple[str, float]]:
    """(mission id, metres) of the nearest open missions in their time window, nearest first."""
    nearest = (
        _nearest_sqlite if db_session.get_bind().dialect.name == "sqlite" else _nearest_postgresql
    )
    return nearest(db_session, latitude, longitude, radius_m, limit, now)


def nearby_missions(
    *,
    db_session: Session,
    latitude: float,
    longitude: float,
    radius_m: float,
    limit: int,
    now: datetime,
) -> list[Nearby]:
    """The nearest open missions with their store and campaign, nearest first."""
    ranked = nearest_open_mission_ids(
        db_session=db_session,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
        limit=limit,
        now=now,
    )
    if not ranked:
        return []
    rows = db_session.execute(
        select(Mission, Store, Campaign)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(Mission.id.in_([mid for mid, _ in ranked]))
    ).all()
    by_id = {m.id: (m, s, c) for m, s, c in rows}
    return [Nearby(*by_id[mid], distance_m=d) for mid, d in ranked if mid in by_id]


def get_mission(
    *, db_session: Session, mission_id: str, user: User
) -> tuple[Mission, Store, Campaign]:
    """A mission as its viewer may see it: workers see open ones and those they hold."""
    row = db_session.execute(
        select(Mission, Store, Campaign)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(Mission.id == mission_id)
    ).first()
    if row is None or not _may_see(db_session, row[0], user):
        raise NotFound(f"No mission with id {mission_id}.")
    return row[0], row[1], row[2]


def _may_see(db_session: Session, mission: Mission, user: User) -> bool:
    if user.role == "admin":
        return True
    if user.role == "brand":
        return mission.brand_id == user.brand_id
    if mission.status == "open":
        return True
    held = select(Assignment.id).where(
        Assignment.mission_id == mission.id, Assignment.worker_id == user.id
    )
    return db_session.scalar(held) is not None


def claim_mission(
    *,
    db_session: Session,
    worker: User,
    mission_id: str,
    now: datetime,
    claim_limit: int,
    buffer_minutes: int,
) -> Assignment:
    """Claim an open mission for a worker, exactly once under any concurrency."""
    # Serialise this worker's claims (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE already
    # does), so parallel requests cannot all pass the cap check.
    db_session.execute(select(User.id).where(User.id == worker.id).with_for_update())
    active = db_session.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.worker_id == worker.id, Assignment.status == "active")
    )
    if (active or 0) >= claim_limit:
        raise Conflict(
            f"You already hold {active} active claims; the limit is {claim_limit}.",
            code="claim_limit_reached",
            extra={"limit": claim_limit},
        )
    window = select(Campaign.id).where(Campaign.id == Mission.campaign_id, _in_window(now))
    claimed = db_session.execute(
        update(Mission)
        .where(Mission.id == mission_id, Mission.status == "open", window.exists())
        .values(status="claimed")
        .returning(Mission.id)
        .execution_options(synchronize_session=False)
    ).first()
    if claimed is None:
        if db_session.get(Mission, mission_id) is None:
            raise NotFound(f"No mission with id {mission_id}.")
        raise Conflict("This mission is not open for claiming.", code="mission_unavailable")
    est_minutes = db_session.scalar(
        select(Campaign.est_minutes)
        .join(Mission, Mission.campaign_id == Campaign.id)
        .where(Mission.id == mission_id)
    )
    assignment = Assignment(
        mission_id=mission_id,
        worker_id=worker.id,
        status="active",
        created_at=now,
        expires_at=rules.claim_expires_at(
            now, est_minutes=int(est_minutes or 0), buffer_minutes=buffer_minutes
        ),
    )
    db_session.add(assignment)
    try:
        with db_session.begin_nested():
            db_session.flush()
    except IntegrityError as exc:  # the partial unique index: someone else holds it
        raise Conflict(
            "This mission is not open for claiming.", code="mission_unavailable"
        ) from exc
    return assignment


def end_assignment(
    *, db_session: Session, assignment: Assignment, status: str, now: datetime
) -> Assignment:
    """Release or expire an active assignment; its mission is open again."""
    if assignment.status != "active":
        raise Conflict(
            f"This assignment is {assignment.status}, not active.", code="assignment_not_active"
        )
    assignment.status = status
    assignment.ended_at = now
    db_session.execute(
        update(Mission)
        .where(Mission.id == assignment.mission_id, Mission.status == "claimed")
        .values(status="open")
        .execution_options(synchronize_session=False)
    )
    db_session.flush()
    return assignment


def expire_overdue(*, db_session: Session, now: datetime, batch: int = 500) -> int:
    """Expire active assignments past their expiry; returns how many."""
    overdue: Sequence[Assignment] = db_session.scalars(
        select(Assignment)
        .where(Assignment.status == "active", Assignment.expires_at <= now)
        .order_by(Assignment.expires_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for assignment in overdue:
        end_assignment(db_session=db_session, assignment=assignment, status="expired", now=now)
    return len(overdue)


def present(
    mission: Mission, store: Store, campaign: Campaign, *, distance: float | None, speed_kmh: float
) -> dict[str, Any]:
    """A mission as a worker sees it before claiming: pay, time, and pay per hour with travel."""
    reward = {"amount_minor": mission.reward_amount_minor, "currency": mission.reward_currency}
    rate = None
    if distance is not None:
        rate = {
            "amount_minor": rules.effective_hourly_rate(
                reward_minor=mission.reward_amount_minor,
                est_minutes=campaign.est_minutes,
                distance_m=distance,
                speed_kmh=speed_kmh,
            ),
            "currency": mission.reward_currency,
        }
    return {
        "id": mission.id,
        "status": mission.status,
        "store": store,
        "distance_m": None if distance is None else round(distance, 1),
        "reward": reward,
        "est_minutes": campaign.est_minutes,
        "ends_at": campaign.ends_at,
        "effective_hourly_rate": rate,
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "instructions": campaign.instructions,
    }


def check_in(
    *,
    db_session: Session,
    assignment: Assignment,
    latitude: float,
    longitude: float,
    accuracy_m: float,
) -> dict[str, Any]:
    """Whether the worker's reported position is at the store; nothing is stored."""
    if assignment.status != "active":
        raise Conflict(
            f"This assignment is {assignment.status}, not active.", code="assignment_not_active"
        )
    store = db_session.scalars(
        select(Store)
        .join(Mission, Mission.store_id == Store.id)
        .where(Mission.id == assignment.mission_id)
    ).one()
    distance = geo.distance_m((latitude, longitude), (store.latitude, store.longitude))
    return {
        "inside_geofence": rules.inside_geofence(distance, accuracy_m, store.geofence_m),
        "distance_m": round(distance, 1),
        "geofence_m": store.geofence_m,
        "accuracy_m": accuracy_m,
    }


def list_assignments(
    *, db_session: Session, user: User, limit: int, cursor: str | None
) -> dict[str, Any]:
    """The caller's assignments, newest first, a page at a time."""
    stmt = scoped(select(Assignment), Assignment, user)
    return page(
        db_session.scalars(paginate(stmt, Assignment, limit=limit, cursor=cursor)).all(),
        limit=limit,
    )
