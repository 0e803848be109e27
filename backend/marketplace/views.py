"""HTTP endpoints for missions and assignments (worker side)."""

from __future__ import annotations

import hashlib
from typing import Any

from apiflask import APIBlueprint
from flask import current_app, g, request

from backend.accounts.access import requires
from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.extensions import limiter
from backend.idempotency.service import idempotent
from backend.kernel.clock import utcnow
from backend.kernel.scoping import get_visible
from backend.marketplace import geocoding, presenters, queries, rules, service
from backend.marketplace.schemas import (
    AssignmentListOut,
    AssignmentOut,
    AssignmentTaskOut,
    CheckInIn,
    CheckInOut,
    ClaimIn,
    ClaimOut,
    GeocodeOut,
    GeocodeQuery,
    MissionDetailOut,
    MissionListOut,
    NearbyQuery,
    PositionQuery,
)
from backend.missions.models import Assignment
from backend.schemas import PageQuery
from backend.settings import current_settings
from backend.urls import scorecard_url

bp = APIBlueprint("missions", __name__, url_prefix="/api/v1", tag="Missions")


def _speed() -> float:
    return current_settings().travel_speed_kmh


def _window_policy() -> rules.WindowPolicy:
    settings = current_settings()
    return rules.WindowPolicy(
        buffer_minutes=settings.claim_buffer_minutes,
        min_minutes=settings.claim_window_min_minutes,
        max_minutes=settings.claim_window_max_minutes,
        speed_kmh=_speed(),
    )


@bp.get("/missions/nearby")
@bp.auth_required(auth, roles=["worker", "admin"])
@bp.input(NearbyQuery, location="query", arg_name="query")
@bp.output(MissionListOut)
@bp.doc(summary="Open missions near a position, nearest first", responses=[401, 403, 422])
def nearby(query: dict[str, Any]) -> Any:
    user = current_user()
    found = service.nearby_missions(
        db_session=request_session(),
        now=utcnow(),
        worker_id=user.id if user.role == "worker" else None,
        **query,
    )
    # One link per brand, not per card: url_for costs some microseconds a call.
    links = {brand_id: scorecard_url(brand_id) for brand_id in {n.card.brand_id for n in found}}
    speed = _speed()
    items = [
        presenters.mission_out(
            n.card,
            distance=n.distance_m,
            speed_kmh=speed,
            products=n.products,
            questions=n.questions,
            scorecard_url=links[n.card.brand_id],
        )
        for n in found
    ]
    for item in items:
        item["ends_at"] = item["ends_at"].isoformat()
    # The hottest endpoint: twenty cards through marshmallow took a quarter of the request.
    # mission_out() already builds MissionListOut's shape (a test holds the two equal), so
    # the list goes out as JSON as it is; the schema still documents it.
    return current_app.json.response({"items": items, "next_cursor": None})


@bp.get("/missions/<mission_id>")
@bp.auth_required(auth)
@requires("campaigns:read")
@bp.input(PositionQuery, location="query", arg_name="query")
@bp.output(MissionDetailOut)
@bp.doc(
    summary="One mission with its whole task; pass your position to see distance and pay per hour",
    description=(
        "`task` says everything to do at the store: answer `task.questions` in order, those "
        "per product once for each of `task.products` (`count` is in facings, as "
        "`task.counting` defines them), each only when its `show_if` holds, as "
        "`{question_id, sku?, value}`; and send at least `task.photos_required` photos "
        "showing `task.photo_instructions` (a photo question's value is the index of one)."
    ),
    responses=[401, 403, 404, 422],
)
def get_mission(mission_id: str, query: dict[str, Any]) -> Any:
    position = None
    if query["latitude"] is not None and query["longitude"] is not None:
        position = (query["latitude"], query["longitude"])
    return queries.mission_detail(
        db_session=request_session(),
        mission_id=mission_id,
        user=current_user(),
        position=position,
        window=_window_policy(),
    )


@bp.post("/missions/<mission_id>/claim")
@bp.auth_required(auth, roles=["worker"])
@idempotent
@bp.input(ClaimIn, arg_name="data")
@bp.output(ClaimOut, status_code=201)
@bp.doc(
    summary="Claim an open mission",
    description=(
        "The body is optional. With the worker's `latitude` and `longitude` the claim holds "
        "long enough to travel to the store; without them no travel time is allowed. "
        "409 `account_closing` once the worker has asked for a final payout."
    ),
    responses=[401, 403, 404, 409, 422],
)
def claim(mission_id: str, data: dict[str, Any]) -> Any:
    position = None
    if data["latitude"] is not None and data["longitude"] is not None:
        position = (data["latitude"], data["longitude"])
    session = request_session()
    claim = service.claim_mission(
        db_session=session,
        worker=current_user(),
        mission_id=mission_id,
        now=utcnow(),
        claim_limit=current_settings().claim_limit,
        window=_window_policy(),
        position=position,
    )
    return queries.claim_with_task(db_session=session, claim=claim)


@bp.post("/assignments/<assignment_id>/release")
@bp.auth_required(auth, roles=["worker"])
@bp.output(AssignmentOut)
@bp.doc(summary="Give the mission back; it is open again", responses=[401, 403, 404, 409])
def release(assignment_id: str) -> Any:
    session = request_session()
    assignment = get_visible(session, Assignment, assignment_id, current_user())
    return service.end_assignment(
        db_session=session, assignment=assignment, status="released", now=utcnow()
    )


@bp.get("/assignments/<assignment_id>")
@bp.auth_required(auth, roles=["worker"])
@bp.output(AssignmentTaskOut)
@bp.doc(
    summary="One of your assignments, with its store and its task",
    description="What a phone needs to show a claim, check in and do the task, in one call.",
    responses=[401, 403, 404],
)
def get_assignment(assignment_id: str) -> Any:
    return queries.assignment_detail(
        db_session=request_session(), assignment_id=assignment_id, user=current_user()
    )


@bp.post("/assignments/<assignment_id>/check-in")
@bp.auth_required(auth, roles=["worker"])
@bp.input(CheckInIn, arg_name="data")
@bp.output(CheckInOut)
@bp.doc(
    summary="Am I at the store? Distance and geofence, nothing stored",
    responses=[401, 403, 404, 409, 422],
)
def check_in(assignment_id: str, data: dict[str, Any]) -> Any:
    session = request_session()
    assignment = get_visible(session, Assignment, assignment_id, current_user())
    return service.check_in(db_session=session, assignment=assignment, **data)


@bp.get("/me/assignments")
@bp.auth_required(auth, roles=["worker"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(AssignmentListOut)
@bp.doc(summary="The caller's assignments, newest first", responses=[401, 403, 422])
def my_assignments(query: dict[str, Any]) -> Any:
    return queries.assignments_page(db_session=request_session(), user=current_user(), **query)


def _geocode_rate() -> str:
    return current_settings().geocoder_rate_limit


def _user_key() -> str:
    # Per user once the token is checked; before that (the limiter may look first), per token.
    user_id = g.get("user_id")
    if user_id:
        return f"geocode:{user_id}"
    token = request.headers.get("Authorization", "")
    return "geocode:" + hashlib.sha256(token.encode()).hexdigest()[:24]


@bp.get("/geocode")
@bp.auth_required(auth)
@limiter.limit(_geocode_rate, key_func=_user_key)
@bp.input(GeocodeQuery, location="query", arg_name="query")
@bp.output(GeocodeOut)
@bp.doc(
    summary="Points for a typed address, to search missions near it",
    description=(
        "Through the geocoder the server is configured with (`FAIRFIELD_GEOCODER`); 404 "
        "`geocoder_not_configured` without one. At most 5 places, best first. Rate limited per "
        "user (`FAIRFIELD_GEOCODER_RATE_LIMIT`); 503 `geocoder_unavailable` when the geocoder "
        "fails or is slow."
    ),
    responses=[401, 404, 422, 429, 503],
)
def geocode(query: dict[str, Any]) -> Any:
    places = geocoding.geocode(current_app, query["q"].strip())
    return {"items": places}
