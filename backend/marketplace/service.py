"""The worker's side of missions: nearby search over a spatial index, exactly-once claims,
release, expiry, check-in and the caller's assignments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    bindparam,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend import geo
from backend.accounts.models import User
from backend.accounts.service import lock_user
from backend.campaigns.models import Campaign
from backend.errors import Conflict, not_found
from backend.i18n import gettext
from backend.kernel.ids import new_id
from backend.kernel.scoping import scoped
from backend.marketplace import nearby, rules
from backend.missions import states
from backend.missions.models import Assignment, Mission
from backend.pagination import page, paginate
from backend.payouts import closing
from backend.stores.models import Store

# What a worker sees of a mission, in one row: plain columns rather than three ORM objects,
# since the nearby list builds twenty of these per request and the ORM tripled its cost.
_CARD = (
    select(
        Mission.id,
        Mission.status,
        Mission.brand_id,
        Mission.reward_amount_minor,
        Mission.reward_currency,
        Mission.bonus_minor,
        Store.id.label("store_id"),
        Store.name.label("store_name"),
        Store.address.label("store_address"),
        Store.latitude.label("store_latitude"),
        Store.longitude.label("store_longitude"),
        Campaign.id.label("campaign_id"),
        Campaign.name.label("campaign_name"),
        Campaign.instructions,
        Campaign.est_minutes,
        Campaign.photos_required,
        Campaign.ends_at,
    )
    .join(Store, Store.id == Mission.store_id)
    .join(Campaign, Campaign.id == Mission.campaign_id)
)


class Card(NamedTuple):
    """A row of _CARD, field for field (a test holds the two in step)."""

    id: str
    status: str
    brand_id: str
    reward_amount_minor: int
    reward_currency: str
    bonus_minor: int
    store_id: str
    store_name: str
    store_address: str | None
    store_latitude: float
    store_longitude: float
    campaign_id: str
    campaign_name: str
    instructions: str
    est_minutes: int
    photos_required: int
    ends_at: datetime


@dataclass(frozen=True)
class Nearby:
    card: Card
    distance_m: float
    products: int
    questions: int


def nearby_missions(
    *,
    db_session: Session,
    latitude: float,
    longitude: float,
    radius_m: float,
    limit: int,
    now: datetime,
    worker_id: str | None,
) -> list[Nearby]:
    """The nearest open missions with their store and campaign, nearest first."""
    found = nearby.nearest_open_cards(
        db_session=db_session,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
        limit=limit,
        now=now,
        worker_id=worker_id,
    )
    width = nearby.CARD_WIDTH
    return [
        Nearby(Card._make(row[:width]), distance_m=d, products=row[width], questions=row[width + 1])
        for row, d in found
    ]


def get_mission(*, db_session: Session, mission_id: str, user: User) -> Card:
    """A mission as its viewer may see it: workers see open ones and those they hold."""
    row = db_session.execute(_CARD.where(Mission.id == mission_id)).first()
    card = None if row is None else Card._make(row)
    if card is None or not _may_see(db_session, card, user):
        raise not_found("mission")
    return card


def _may_see(db_session: Session, card: Card, user: User) -> bool:
    if user.role == "admin":
        return True
    if user.role == "brand":
        return card.brand_id == user.brand_id
    if card.status == "open":
        return True
    held = select(Assignment.id).where(
        Assignment.mission_id == card.id, Assignment.worker_id == user.id
    )
    return db_session.scalar(held) is not None


# The claim path's statements, built once: it is the busiest write, and composing them
# per request cost as much as running them.
_ACTIVE_CLAIMS = (
    select(func.count())
    .select_from(Assignment)
    .where(Assignment.worker_id == bindparam("worker_id"), Assignment.status == "active")
)
_TAKE_OPEN_MISSION = states.statement(
    froms=("open",),
    to="claimed",
    where=[
        Mission.id == bindparam("mission_id"),
        select(Campaign.id)
        .where(
            Campaign.id == Mission.campaign_id,
            Campaign.starts_at <= bindparam("now"),
            Campaign.ends_at > bindparam("now"),
        )
        .exists(),
        # A store the worker has already done for this campaign is not theirs to do again.
        ~select(Assignment.id)
        .where(
            Assignment.mission_id == Mission.id,
            Assignment.worker_id == bindparam("worker_id"),
            Assignment.status == "submitted",
        )
        .exists(),
    ],
).returning(
    select(Campaign.est_minutes).where(Campaign.id == Mission.campaign_id).scalar_subquery(),
    Mission.latitude,
    Mission.longitude,
)

# A mission workers could ever have seen: its campaign was published (it may have ended or
# been cancelled since). Any other answers a claim as an unknown id does, so that a claim
# cannot tell a brand's unpublished plans apart from ids nobody has.
_EVER_PUBLISHED = (
    select(Mission.id)
    .join(Campaign, Campaign.id == Mission.campaign_id)
    .where(
        Mission.id == bindparam("mission_id"),
        or_(Campaign.status == "published", Campaign.published_at.is_not(None)),
    )
    .exists()
)
# What a claim checks before its UPDATE, in one statement read under the worker's lock: is
# the worker closing their account, how many claims they hold, and whether the mission was
# ever published (used only when the UPDATE takes nothing, so that a refused claim, nine in
# ten of a busy round, needs no statement after it).
_BEFORE_CLAIM = select(
    closing.asked_final(bindparam("worker_id")).label("closing"),
    _ACTIVE_CLAIMS.scalar_subquery().label("active"),
    _EVER_PUBLISHED.label("published"),
)


class Claim(NamedTuple):
    assignment_id: str
    mission_id: str
    expires_at: datetime
    window: rules.ClaimWindow


def claim_mission(
    *,
    db_session: Session,
    worker: User,
    mission_id: str,
    now: datetime,
    claim_limit: int,
    window: rules.WindowPolicy,
    position: tuple[float, float] | None = None,
) -> Claim:
    """Claim an open mission for a worker, exactly once under any concurrency.

    The claim holds long enough to get there from `position` (no travel without one), do
    the job and upload: `window` gives the buffer, the bounds and the travel speed.
    """
    connection = db_session.connection()
    # Serialise this worker's claims so parallel requests cannot all pass the cap check.
    lock_user(db_session=db_session, user_id=worker.id)
    found = connection.execute(
        _BEFORE_CLAIM, {"worker_id": worker.id, "mission_id": mission_id}
    ).one()
    if found.closing:
        raise closing.closing_refusal()
    active = found.active
    if active >= claim_limit:
        raise Conflict(
            gettext(
                "You already hold %(active)s active claims; the limit is %(limit)s.",
                active=active,
                limit=claim_limit,
            ),
            code="claim_limit_reached",
            extra={"limit": claim_limit},
        )
    # One conditional UPDATE decides the race; it also returns the campaign's minutes and
    # where the store is.
    taken = connection.execute(
        _TAKE_OPEN_MISSION, {"mission_id": mission_id, "now": now, "worker_id": worker.id}
    ).first()
    if taken is None:
        # Read before the UPDATE, under the same lock (SQLite) or in an earlier snapshot
        # (PostgreSQL): a campaign published in between is one no claim could have seen yet.
        if not found.published:
            raise not_found("mission")
        raise Conflict(
            gettext("This mission is not open for claiming."), code="mission_unavailable"
        )
    held = _window(taken, position, window)
    claim = Claim(new_id(), mission_id, rules.claim_expires_at(now, held), held)
    assignment = {
        "id": claim.assignment_id,
        "mission_id": mission_id,
        "worker_id": worker.id,
        "status": "active",
        "created_at": now,
        "expires_at": claim.expires_at,
    }
    try:
        connection.execute(insert(Assignment), assignment)
    except IntegrityError as exc:
        # The partial unique index, should anything ever slip past the UPDATE. The request
        # fails whole: its transaction is rolled back and nothing of it remains.
        raise Conflict(
            gettext("This mission is not open for claiming."), code="mission_unavailable"
        ) from exc
    return claim


def _window(
    taken: Any, position: tuple[float, float] | None, policy: rules.WindowPolicy
) -> rules.ClaimWindow:
    est_minutes, store_latitude, store_longitude = taken
    travel = 0
    if position is not None:
        distance = geo.great_circle_m(position, (store_latitude, store_longitude))
        travel = rules.travel_minutes(distance, policy.speed_kmh)
    return rules.claim_window(travel_minutes=travel, est_minutes=est_minutes, policy=policy)


def not_active(status: str) -> Conflict:
    """The refusal of anything but an active assignment (released, expired, submitted)."""
    return Conflict(
        gettext("This assignment is %(status)s, not active.", status=status),
        code="assignment_not_active",
    )


def end_assignment(
    *, db_session: Session, assignment: Assignment, status: str, now: datetime
) -> Assignment:
    """Release or expire an active assignment; its mission is open again."""
    if assignment.status != "active":
        raise not_active(assignment.status)
    assignment.status = status
    assignment.ended_at = now
    states.move(db_session, mission_id=assignment.mission_id, froms=("claimed",), to="open")
    db_session.flush()
    return assignment


def expire_overdue(
    *, db_session: Session, now: datetime, grace: timedelta = timedelta(0), batch: int = 500
) -> int:
    """Expire active assignments past their expiry and grace period; returns how many.

    During the grace period the worker may still upload evidence captured in time, so the
    mission is not handed to anyone else until it ends.
    """
    overdue: Sequence[Assignment] = db_session.scalars(
        select(Assignment)
        .where(Assignment.status == "active", Assignment.expires_at <= now - grace)
        .order_by(Assignment.expires_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for assignment in overdue:
        end_assignment(db_session=db_session, assignment=assignment, status="expired", now=now)
    return len(overdue)


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
        raise not_active(assignment.status)
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
    """The caller's assignments, newest first, a page at a time (`items` are Assignments)."""
    stmt = scoped(select(Assignment), Assignment, user)
    return page(
        db_session.scalars(paginate(stmt, Assignment, limit=limit, cursor=cursor)).all(),
        limit=limit,
    )
