"""HTTP endpoints: the review queue, admin decisions and appeals."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import jsonify

from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.idempotency.service import idempotent
from backend.kernel.clock import utcnow
from backend.review import appeals, leases, queries, queue, service
from backend.review.presenters import (
    bulk_approval_out,
    reasons_out,
    taken_lease_out,
)
from backend.review.schemas import (
    AppealDecisionOut,
    AppealIn,
    AppealListOut,
    AppealListQuery,
    AppealOut,
    BulkApproveIn,
    BulkApproveOut,
    DecisionIn,
    LeaseOut,
    QueueItemOut,
    QueueOut,
    QueueQuery,
    ReasonsOut,
    ReviewConflict,
    WaitingOut,
)
from backend.settings import current_settings
from backend.submissions import queries as submissions
from backend.submissions.schemas import SubmissionOut

bp = APIBlueprint("review", __name__, url_prefix="/api/v1", tag="Review")


def _sla_hours() -> float:
    return current_settings().review_sla_hours


def _errors(described: dict[int, Any]) -> Any:
    """Error responses for @bp.doc, each a description or a whole response (APIFlask takes
    the mix; its type hints do not say so)."""
    return described


def _conflict(description: str) -> dict[str, Any]:
    """A documented 409 of review, with the fields its codes add."""
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ReviewConflict}},
    }


LEASED = "`lease_held`: another admin holds its lease (`holder`, `expires_at`)"
ALREADY_DECIDED = (
    "`already_decided`: someone decided it first (`detail` says who, what and when; "
    "`decided_by`, `decided_status`, `actor`, `decided_at`)"
)


@bp.get("/review/queue")
@bp.auth_required(auth, roles=["admin"])
@bp.input(QueueQuery, location="query", arg_name="query")
@bp.output(QueueOut)
@bp.doc(
    summary="Submissions awaiting a person: doubted ones first, then the longest waiting",
    description="Filters combine; `counts` are for the filter in force. Each item carries "
    "its live lease, the worker's record, the products asked and the photos a reuse or "
    "similar-photo check matched.",
    responses=[401, 403, 422],
)
def review_queue(query: dict[str, Any]) -> Any:
    page = queue.review_queue(
        db_session=request_session(), sla_hours=_sla_hours(), now=utcnow(), **query
    )
    # Built in the shape QueueOut writes (tests/review/test_queue_shape.py holds the two
    # equal), so it goes out as it is: the schema's dump of fifty items took 10 ms.
    return jsonify(page)


@bp.get("/review/counts")
@bp.auth_required(auth, roles=["admin"])
@bp.output(WaitingOut)
@bp.doc(
    summary="How many submissions and appeals wait for an admin (cheap, for a badge)",
    description="Counts only, without the filters' breakdown or any item: what a console "
    "polls every minute to show beside its navigation.",
    responses=[401, 403],
)
def review_counts() -> Any:
    return queue.waiting_counts(db_session=request_session())


@bp.get("/review/queue/<submission_id>")
@bp.auth_required(auth, roles=["admin"])
@bp.output(QueueItemOut)
@bp.doc(
    summary="One submission awaiting a person, as the queue shows it",
    responses=_errors(
        {
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not awaiting review (or no such submission)",
        }
    ),
)
def review_queue_item(submission_id: str) -> Any:
    return queue.queue_item(
        db_session=request_session(),
        submission_id=submission_id,
        sla_hours=_sla_hours(),
        now=utcnow(),
    )


@bp.post("/submissions/<submission_id>/lease")
@bp.auth_required(auth, roles=["admin"])
@bp.output(LeaseOut)
@bp.doc(
    summary="Take or renew your lease on a submission awaiting review",
    description="Opening an item takes a short lease (FAIRFIELD_REVIEW_LEASE_SECONDS) that the "
    "queue shows to other admins; renew it while you work. Of two admins taking it at once, "
    "exactly one gets it.",
    responses=_errors(
        {
            401: "Unauthorized",
            403: "Forbidden",
            404: "No such submission",
            409: _conflict(f"{LEASED}; or {ALREADY_DECIDED}; or `not_in_review`"),
        }
    ),
)
def take_lease(submission_id: str) -> Any:
    lease = leases.take_lease(
        db_session=request_session(),
        submission_id=submission_id,
        admin=current_user(),
        now=utcnow(),
        lease_seconds=current_settings().review_lease_seconds,
    )
    return taken_lease_out(lease, current_user())


@bp.delete("/submissions/<submission_id>/lease")
@bp.auth_required(auth, roles=["admin"])
@bp.output({}, status_code=204)
@bp.doc(
    summary="Give back your lease on a submission (204 also when you hold none)",
    responses=_errors(
        {
            401: "Unauthorized",
            403: "Forbidden",
            404: "No such submission",
            409: _conflict(f"{LEASED}: not yours to give back"),
        }
    ),
)
def release_lease(submission_id: str) -> Any:
    leases.release_lease(
        db_session=request_session(),
        submission_id=submission_id,
        admin=current_user(),
        now=utcnow(),
    )
    return ""


@bp.post("/submissions/<submission_id>/decision")
@bp.auth_required(auth, roles=["admin"])
@idempotent
@bp.input(DecisionIn, arg_name="data")
@bp.output(SubmissionOut)
@bp.doc(
    summary="Approve, or reject with a reason code, a submission awaiting review",
    description="A rejection needs a `reason_code`; `other` also needs a `comment`. "
    "The worker sees both. An approval pays the worker, once. The worker is mailed the "
    "decision in their `locale` (`submission_approved`, or `submission_rejected` with the "
    "reason in words, the comment, and how to appeal until when) unless they set "
    "`notify_by_email: false`; once, however often the decision is replayed.",
    responses=_errors(
        {
            401: "Unauthorized",
            403: "Forbidden",
            404: "No such submission",
            409: _conflict(f"{ALREADY_DECIDED}; or {LEASED}; or `not_in_review`"),
        }
    ),
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


@bp.post("/review/bulk-approve")
@bp.auth_required(auth, roles=["admin"])
@idempotent
@bp.input(BulkApproveIn, arg_name="data")
@bp.output(BulkApproveOut)
@bp.doc(
    summary="Approve many submissions awaiting review at once",
    description="Each one still awaiting review and not leased by another admin is approved "
    "(and paid, once) as a single approval would be; each of the others is skipped with its "
    "code and detail, and never undoes the rest.",
    responses=[401, 403, 422],
)
def bulk_approve(data: dict[str, Any]) -> Any:
    done = service.bulk_approve(
        db_session=request_session(),
        submission_ids=data["submission_ids"],
        reviewer=current_user(),
        now=utcnow(),
    )
    return bulk_approval_out(done.approved, done.skipped)


@bp.get("/review/reasons")
@bp.auth_required(auth)
@bp.output(ReasonsOut)
@bp.doc(summary="The reasons a submission may be rejected for", responses=[401])
def reasons() -> Any:
    return reasons_out()


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
    description="The worker is mailed the outcome in their `locale` (`appeal_decided`: "
    "granted or refused, with this decision's `comment`) unless they set "
    "`notify_by_email: false`; once, however often the decision is replayed.",
    responses=_errors(
        {
            401: "Unauthorized",
            403: "Forbidden (`same_reviewer`: the admin who rejected)",
            404: "No such appeal",
            409: _conflict(ALREADY_DECIDED),
        }
    ),
)
def decide_appeal(appeal_id: str, data: dict[str, Any]) -> Any:
    appeal, submission = appeals.decide_appeal(
        db_session=request_session(),
        appeal_id=appeal_id,
        reviewer=current_user(),
        now=utcnow(),
        **data,
    )
    return queries.decided_appeal(request_session(), appeal, submission, _sla_hours())
