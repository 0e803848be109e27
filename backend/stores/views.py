"""HTTP endpoints for stores: parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.auth import BRAND_SIDE, auth, current_user
from backend.accounts.service import acting_brand_id
from backend.db import request_session
from backend.stores import queries, service
from backend.stores.schemas import (
    ImportFileIn,
    ImportQuery,
    ImportResultOut,
    StoreIn,
    StoreListOut,
    StoreListQuery,
    StoreOut,
    StorePatchIn,
)

bp = APIBlueprint("stores", __name__, url_prefix="/api/v1", tag="Stores")


@bp.post("/stores")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.input(StoreIn, arg_name="data")
@bp.output(StoreOut, status_code=201)
@bp.doc(summary="Create a store", responses=[401, 403, 409, 422])
def create_store(data: dict[str, Any]) -> Any:
    session = request_session()
    brand_id = acting_brand_id(
        db_session=session, user=current_user(), brand_id=data.pop("brand_id")
    )
    return service.create_store(db_session=session, brand_id=brand_id, **data)


@bp.post("/stores/import")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.input(ImportQuery, location="query", arg_name="query")
@bp.input(ImportFileIn, location="files", arg_name="files")
@bp.output(ImportResultOut)
@bp.doc(
    summary="Create or update stores from a CSV file; bad lines are reported, not fatal",
    responses=[401, 403, 413, 422],
)
def import_stores(query: dict[str, Any], files: dict[str, Any]) -> Any:
    session = request_session()
    brand_id = acting_brand_id(db_session=session, user=current_user(), brand_id=query["brand_id"])
    return service.import_stores_csv(
        db_session=session, brand_id=brand_id, stream=files["file"].stream
    )


@bp.get("/stores")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.input(StoreListQuery, location="query", arg_name="query")
@bp.output(StoreListOut)
@bp.doc(summary="The caller's stores, newest first or nearest first", responses=[401, 403, 422])
def list_stores(query: dict[str, Any]) -> Any:
    return queries.stores_page(db_session=request_session(), user=current_user(), **query)


@bp.get("/stores/<store_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.output(StoreOut)
@bp.doc(summary="One of the caller's stores", responses=[401, 403, 404])
def get_store(store_id: str) -> Any:
    return service.get_store(db_session=request_session(), user=current_user(), store_id=store_id)


@bp.patch("/stores/<store_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@bp.input(StorePatchIn, arg_name="data")
@bp.output(StoreOut)
@bp.doc(
    summary="Edit a store; its open missions move with it",
    description=(
        "Only the fields given change. Moving the store (`latitude`, `longitude`, "
        "`geofence_m`) while one of its missions is claimed or submitted is 409 "
        "`store_in_use`; otherwise its missions are found at the new place."
    ),
    responses=[401, 403, 404, 409, 422],
)
def edit_store(store_id: str, data: dict[str, Any]) -> Any:
    session = request_session()
    store = service.get_store(db_session=session, user=current_user(), store_id=store_id)
    return service.edit_store(db_session=session, store=store, changes=data)
