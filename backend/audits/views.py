"""HTTP endpoints: the audit sample's queue, an admin's audit, and the agreement figures."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.auth import auth, current_user
from backend.audits import queries, service
from backend.audits.schemas import (
    AGREEMENT_DOC,
    AgreementOut,
    AgreementQuery,
    AuditConflict,
    AuditIn,
    AuditOut,
    AuditQueueOut,
)
from backend.db import request_session
from backend.idempotency.service import idempotent
from backend.kernel.clock import utcnow
from backend.schemas import PageQuery
from backend.settings import current_settings

bp = APIBlueprint("audits", __name__, url_prefix="/api/v1", tag="Review")

# Each error a description or a whole response: APIFlask takes the mix, its hints do not say so.
AUDIT_ERRORS: Any = {
    401: "Unauthorized",
    403: "Forbidden: admins only",
    404: "The submission was not drawn for the audit (or does not exist)",
    409: {
        "description": "`already_audited`: someone audited it first (`detail` says who, "
        "when and what they found; `audited_by`, `audited_at`, `agree`)",
        "content": {"application/problem+json": {"schema": AuditConflict}},
    },
    422: "Validation error: `errors` names the field (`reason_code`, `comment`, `agree`)",
}


@bp.get("/review/audits")
@bp.auth_required(auth, roles=["admin"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(AuditQueueOut, description="A page of samples awaiting an audit")
@bp.doc(
    summary="Machine approvals drawn for a person's second look, not yet audited, oldest first",
    description="FAIRFIELD_AUDIT_SAMPLE_PERCENT of the validation pipeline's approvals are "
    "drawn, with the approval (the review deadline's approvals are not: they judge no "
    "evidence). Each item shows what a review queue item shows of a submission. The worker "
    "was paid on approval; an audit never delays nor claws back that pay.",
    responses=[401, 403, 422],
)
def pending_audits(query: dict[str, Any]) -> Any:
    return queries.pending_audits(
        db_session=request_session(),
        sla_hours=current_settings().review_sla_hours,
        now=utcnow(),
        **query,
    )


@bp.post("/review/audits/<submission_id>")
@bp.auth_required(auth, roles=["admin"])
@idempotent
@bp.input(AuditIn, arg_name="data")
@bp.output(AuditOut, description="The audit as recorded")
@bp.doc(
    summary="Audit a sampled machine approval: agree, or disagree with a reason code",
    description="Once per sample: a second audit is 409 `already_audited`, naming the admin "
    "in `detail` and `audited_by`. 404 when the submission was not drawn for the audit. The "
    "audit is a measurement of the machine: the submission, its decisions and the worker's "
    "pay stay as they are.",
    responses=AUDIT_ERRORS,
)
def record_audit(submission_id: str, data: dict[str, Any]) -> Any:
    session = request_session()
    service.record_audit(
        db_session=session,
        submission_id=submission_id,
        admin=current_user(),
        now=utcnow(),
        **data,
    )
    return queries.audit_detail(db_session=session, submission_id=submission_id)


@bp.get("/review/agreement")
@bp.auth_required(auth, roles=["admin"])
@bp.input(AgreementQuery, location="query", arg_name="query")
@bp.output(AgreementOut, description="Agreement figures over every audit so far")
@bp.doc(
    summary="How often admins agree with the machine's approvals: overall, by check, by campaign",
    description=AGREEMENT_DOC,
    responses=[401, 403, 422],
)
def agreement(query: dict[str, Any]) -> Any:
    return queries.agreement(db_session=request_session(), **query)
