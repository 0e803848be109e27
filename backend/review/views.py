"""HTTP endpoints: the review queue, admin decisions and appeals."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.idempotency.service import idempotent
from backend.kernel.clock import utcnow
from backend.review import appeals, queries, service
from backend.review.presenters import appeal_decision_out
from backend.review.schemas import (
    AppealDecisionOut,
    AppealIn,
    AppealListOut,
    AppealListQuery,
    AppealOut,
    DecisionIn,
    QueueOut,
)
from backend.schemas import PageQuery
from backend.settings import current_settings
from backend.submissions import queries as submissions
from backend.submissions.schemas import SubmissionOut

bp = APIBlueprint("review", __name__, url_prefix="/api/v1", tag="Review")


def _sla_hours() -> float:
    return current_settings().review_sla_hours


@bp.get("/review/queue")
@bp.auth_required(auth, roles=["admin"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(QueueOut)
@bp.doc(
    summary="Submissions awaiting a person: doubted ones first, then the longest waiting",
    responses=[401, 403, 422],
)
def review_queue(query: dict[str, Any]) -> Any:
    return queries.review_queue(db_session=request_session(), sla_hours=_sla_hours(), **query)


@bp.post("/submissions/<submission_id>/decision")
@bp.auth_required(auth, roles=["admin"])
@idempotent
@bp.input(DecisionIn, arg_name="data")
@bp.output(SubmissionOut)
@bp.doc(
    summary="Approve, or reject with a reason code, a submission awaiting review",
    description="A rejection needs a `reason_code`; `other` also needs a `comment`. "
    "The worker sees both. An approval pays the worker, once.",
    responses=[401, 403, 404, 409, 422],
)
def decide(submission_id: str, data: dict[str, Any]) -> Any:
    session = request_session()
    service.decide_submission(
        db_session=session,
        submission_id=submission_id,
        reviewer=current_user(),
        now=utcnow(),
        **data,
    )
    return submissions.submission_detail(
        db_session=session, submission_id=submission_id, user=current_user()
    )


@bp.post("/submissions/<submission_id>/appeal")
@bp.auth_required(auth, roles=["worker"])
@idempotent
@bp.input(AppealIn, arg_name="data")
@bp.output(AppealOut(only=("id", "submission_id", "status", "message", "created_at")), 201)
@bp.doc(
    summary="Appeal a rejection, within FAIRFIELD_APPEAL_WINDOW_DAYS of it",
    responses=[401, 403, 404, 409, 422],
)
def appeal(submission_id: str, data: dict[str, Any]) -> Any:
    return appeals.appeal_rejection(
        db_session=request_session(),
        submission_id=submission_id,
        worker=current_user(),
        message=data["message"],
        now=utcnow(),
        window_days=current_settings().appeal_window_days,
    )


@bp.get("/appeals")
@bp.auth_required(auth, roles=["admin"])
@bp.input(AppealListQuery, location="query", arg_name="query")
@bp.output(AppealListOut)
@bp.doc(summary="Appeals (open ones by default), the longest waiting first", responses=[401, 403])
def list_appeals(query: dict[str, Any]) -> Any:
    return queries.appeals_page(db_session=request_session(), sla_hours=_sla_hours(), **query)


@bp.post("/appeals/<appeal_id>/decision")
@bp.auth_required(auth, roles=["admin"])
@idempotent
@bp.input(DecisionIn, arg_name="data")
@bp.output(AppealDecisionOut)
@bp.doc(
    summary="Decide an appeal; not by the admin who rejected. A reversal pays in full",
    responses=[401, 403, 404, 409, 422],
)
def decide_appeal(appeal_id: str, data: dict[str, Any]) -> Any:
    appeal, submission = appeals.decide_appeal(
        db_session=request_session(),
        appeal_id=appeal_id,
        reviewer=current_user(),
        now=utcnow(),
        **data,
    )
    history = queries.appeal_history(request_session(), appeal)
    return appeal_decision_out(appeal, submission, history, _sla_hours())
