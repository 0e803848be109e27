"""HTTP endpoints for stores: parse, call one service, answer."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.access import requires
from backend.accounts.auth import BRAND_SIDE, auth, current_user
from backend.accounts.service import acting_brand_id
from backend.db import read_snapshot, request_session
from backend.kernel.clock import utcnow
from backend.settings import current_settings
from backend.stores import imports, queries, service
from backend.stores.presenters import store_import_out
from backend.stores.schemas import (
    ImportFileIn,
    ImportQuery,
    ImportResultOut,
    StoreImportOut,
    StoreIn,
    StoreListOut,
    StoreListQuery,
    StoreOut,
    StorePatchIn,
)

bp = APIBlueprint("stores", __name__, url_prefix="/api/v1", tag="Stores")


@bp.post("/stores")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("stores:write")
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
@requires("stores:write")
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


@bp.post("/stores/imports")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("stores:write")
@bp.input(ImportQuery, location="query", arg_name="query")
@bp.input(ImportFileIn, location="files", arg_name="files")
@bp.output(StoreImportOut, status_code=202, description="Queued: poll GET /stores/imports/{id}")
@bp.doc(
    summary="Import stores from a CSV file as a task; poll it for progress",
    description=(
        "The same file and the same rules as POST /stores/import, for files too large to "
        "wait on: the file is checked (size, a store CSV header: 422 naming `file`) and "
        "kept, and a task imports it in chunks. GET /stores/imports/{id} reports `processed` "
        "of `total` lines as it goes, and each bad line's `{line, field, detail}`."
    ),
    responses=[401, 403, 413, 422],
)
def queue_store_import(query: dict[str, Any], files: dict[str, Any]) -> Any:
    # Who it is for and the file come first, apart from any write lock.
    with read_snapshot() as snapshot:
        brand_id = acting_brand_id(
            db_session=snapshot, user=current_user(), brand_id=query["brand_id"]
        )
    settings = current_settings()
    job = imports.start_import(
        db_session=request_session(),
        upload=files["file"].stream,
        var_dir=settings.var_dir,
        max_bytes=settings.max_body_bytes,
        brand_id=brand_id,
        requested_by=current_user().id,
        now=utcnow(),
    )
    return store_import_out(job)


@bp.get("/stores/imports/<import_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("stores:read")
@bp.output(StoreImportOut)
@bp.doc(
    summary="A store import's progress, counts and per-line errors",
    responses=[401, 403, 404],
)
def get_store_import(import_id: str) -> Any:
    job = queries.store_import(
        db_session=request_session(), user=current_user(), import_id=import_id
    )
    return store_import_out(job)


@bp.get("/stores")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("stores:read")
@bp.input(StoreListQuery, location="query", arg_name="query")
@bp.output(StoreListOut)
@bp.doc(summary="The caller's stores, newest first or nearest first", responses=[401, 403, 422])
def list_stores(query: dict[str, Any]) -> Any:
    return queries.stores_page(db_session=request_session(), user=current_user(), **query)


@bp.get("/stores/<store_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("stores:read")
@bp.output(StoreOut)
@bp.doc(summary="One of the caller's stores", responses=[401, 403, 404])
def get_store(store_id: str) -> Any:
    return service.get_store(db_session=request_session(), user=current_user(), store_id=store_id)


@bp.patch("/stores/<store_id>")
@bp.auth_required(auth, roles=BRAND_SIDE)
@requires("stores:write")
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
