"""Liveness, readiness, metrics, and pipeline checks."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import current_app

from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.ops import service
from backend.ops.metrics import render_metrics
from backend.ops.schemas import HealthOut, PipelineCheckOut, ReadyOut
from backend.storage import photo_store

bp = APIBlueprint("ops", __name__, tag="Operations")
_METRICS_RESPONSES: Any = {
    200: {"description": "Metrics", "content": {"text/plain": {"schema": {"type": "string"}}}}
}
_READY_RESPONSES: Any = {
    200: {"description": "Ready", "content": {"application/json": {"schema": ReadyOut}}},
    503: {"description": "Not ready", "content": {"application/json": {"schema": ReadyOut}}},
}


@bp.get("/healthz")
@bp.output(HealthOut)
@bp.doc(summary="The process is up")
def healthz() -> Any:
    return {"status": "ok"}


@bp.get("/readyz")
@bp.output(ReadyOut)
@bp.doc(
    summary="The database, the broker and the photo store (folder or bucket) are reachable",
    responses=_READY_RESPONSES,
)
def readyz() -> Any:
    db_ok, db_detail = service.database_ready(db_session=request_session())
    broker_ok, broker_detail = service.broker_ready(celery=current_app.extensions["celery"])
    store_ok, store_detail = service.object_store_ready(store=photo_store())
    ok = db_ok and broker_ok and store_ok
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {"database": db_detail, "broker": broker_detail, "object_store": store_detail},
    }
    return body, 200 if ok else 503


@bp.get("/metrics")
@bp.doc(summary="Prometheus metrics (text format)", responses=_METRICS_RESPONSES)
def metrics() -> Any:
    return render_metrics()


@bp.post("/api/v1/admin/pipeline-checks")
@bp.auth_required(auth, roles=["admin"])
@bp.output(PipelineCheckOut, status_code=202)
@bp.doc(summary="Send a canary task through the outbox to the workers", responses=[401, 403])
def create_pipeline_check() -> Any:
    return service.request_pipeline_check(
        db_session=request_session(), requested_by=current_user().id
    )


@bp.get("/api/v1/admin/pipeline-checks/<check_id>")
@bp.auth_required(auth, roles=["admin"])
@bp.output(PipelineCheckOut)
@bp.doc(summary="Whether a worker has completed the check", responses=[401, 403, 404])
def get_pipeline_check(check_id: str) -> Any:
    return service.get_pipeline_check(db_session=request_session(), check_id=check_id)
