"""HTTP endpoints: payout requests and batches."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from apiflask.schemas import FileSchema
from flask import Response

from backend.accounts.auth import auth, current_user
from backend.db import request_session
from backend.idempotency.service import idempotent
from backend.kernel.clock import utcnow
from backend.kernel.money import Money
from backend.payouts import presenters, queries, rules, service
from backend.payouts.schemas import (
    AdminPayoutRequestListOut,
    AdminPayoutRequestOut,
    PayoutBatchDetailOut,
    PayoutBatchListOut,
    PayoutBatchOut,
    PayoutRequestIn,
    PayoutRequestListOut,
    PayoutRequestOut,
    PayoutRequestQuery,
)
from backend.schemas import PageQuery
from backend.settings import current_settings

bp = APIBlueprint("payouts", __name__, url_prefix="/api/v1", tag="Payouts")


def _minimum() -> Money:
    return current_settings().payout_min


def _sla_days() -> int:
    return current_settings().payout_sla_days


def _debtor() -> rules.Debtor:
    settings = current_settings()
    return rules.Debtor(
        name=settings.payout_debtor_name,
        iban=settings.payout_debtor_iban,
        bic=settings.payout_debtor_bic,
    )


@bp.post("/me/payout-requests")
@bp.auth_required(auth, roles=["worker"])
@idempotent
@bp.input(PayoutRequestIn, arg_name="data")
@bp.output(PayoutRequestOut, status_code=201)
@bp.doc(
    summary="Ask for your whole balance to be paid to a bank account",
    description=(
        "The balance leaves your account at once (it is in transit until the batch is paid). "
        "422 `balance_below_minimum` under FAIRFIELD_PAYOUT_MIN, naming `needed`; 422 naming "
        "`iban` for an IBAN that is invalid or outside the SEPA zone; 403 `email_unverified` "
        "until the worker has verified their email address. Takes Idempotency-Key.\n\n"
        "`final: true` when you are closing your account: any balance above zero is paid "
        "(422 `balance_empty` at zero). `DELETE /me` then erases at once, keeping only this "
        "request's bank details until its batch is paid. Closing is for good: new claims and "
        "plain (not final) payout requests answer 409 `account_closing`; submissions on claims "
        "already held still go through, and another final request takes what they earn."
    ),
    responses=[401, 403, 409, 422],
)
def request_payout(data: dict[str, Any]) -> Any:
    payout = service.request_payout(
        db_session=request_session(),
        worker_id=current_user().id,
        minimum=_minimum(),
        now=utcnow(),
        **data,
    )
    return presenters.payout_request_out(payout)


@bp.get("/me/payout-requests")
@bp.auth_required(auth, roles=["worker"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(PayoutRequestListOut)
@bp.doc(summary="Your payout requests, newest first", responses=[401, 403, 422])
def my_payout_requests(query: dict[str, Any]) -> Any:
    return queries.payout_requests_page(
        db_session=request_session(),
        user=current_user(),
        now=utcnow(),
        sla_days=_sla_days(),
        **query,
    )


@bp.get("/payout-requests")
@bp.auth_required(auth, roles=["admin"])
@bp.input(PayoutRequestQuery, location="query", arg_name="query")
@bp.output(AdminPayoutRequestListOut)
@bp.doc(
    summary="All payout requests, newest first; `late=true` for those past the payout SLA",
    responses=[401, 403, 422],
)
def payout_requests(query: dict[str, Any]) -> Any:
    return queries.payout_requests_page(
        db_session=request_session(),
        user=current_user(),
        now=utcnow(),
        sla_days=_sla_days(),
        **query,
    )


@bp.get("/payout-requests/<request_id>")
@bp.auth_required(auth)
@bp.output(AdminPayoutRequestOut)
@bp.doc(summary="One payout request: its worker's or, for admins, any", responses=[401, 404])
def get_payout_request(request_id: str) -> Any:
    payout = queries.payout_request(
        db_session=request_session(), user=current_user(), request_id=request_id
    )
    return presenters.payout_request_out(payout, now=utcnow(), sla_days=_sla_days())


@bp.post("/payout-batches")
@bp.auth_required(auth, roles=["admin"])
@bp.output(PayoutBatchOut, status_code=201)
@bp.doc(
    summary="Gather the pending payout requests into a batch",
    description=(
        "One currency per batch (the oldest pending request's), at most 5,000 requests, "
        "oldest first; call again for the rest. 409 `nothing_to_pay` when none is pending."
    ),
    responses=[401, 403, 409],
)
def create_batch() -> Any:
    batch = service.create_batch(
        db_session=request_session(), admin_id=current_user().id, now=utcnow()
    )
    return presenters.batch_out(batch)


@bp.get("/payout-batches")
@bp.auth_required(auth, roles=["admin"])
@bp.input(PageQuery, location="query", arg_name="query")
@bp.output(PayoutBatchListOut)
@bp.doc(summary="Payout batches, newest first", responses=[401, 403, 422])
def list_batches(query: dict[str, Any]) -> Any:
    return queries.batches_page(db_session=request_session(), **query)


@bp.get("/payout-batches/<batch_id>")
@bp.auth_required(auth, roles=["admin"])
@bp.output(PayoutBatchDetailOut)
@bp.doc(summary="One payout batch and its requests", responses=[401, 403, 404])
def get_batch(batch_id: str) -> Any:
    return queries.batch_detail(
        db_session=request_session(),
        batch_id=batch_id,
        now=utcnow(),
        sla_days=_sla_days(),
    )


@bp.get("/payout-batches/<batch_id>/sepa.xml")
@bp.auth_required(auth, roles=["admin"])
@bp.output(FileSchema(type="string", format="binary"), content_type="application/xml")
@bp.doc(
    summary="The batch as a SEPA credit transfer file (pain.001.001.03) for the bank",
    description="The same bytes on every export: ids and time are fixed when the batch is made. "
    "410 `payee_erased` once a worker it paid has erased their account (a final request "
    "keeps its bank details until the batch is paid, so an unpaid batch always exports).",
    responses=[401, 403, 404, 410],
)
def sepa_file(batch_id: str) -> Response:
    session = request_session()
    batch = service.get_batch(db_session=session, batch_id=batch_id)
    document = service.sepa_file(db_session=session, batch_id=batch_id, debtor=_debtor())
    response = Response(document, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{batch.message_id}.xml"'
    return response


@bp.post("/payout-batches/<batch_id>/mark-paid")
@bp.auth_required(auth, roles=["admin"])
@bp.output(PayoutBatchDetailOut)
@bp.doc(
    summary="The bank sent the batch: settle it in the ledger, once",
    description="409 `already_paid` if it was; nothing is settled twice. The bank details "
    "kept for the final requests of workers who have erased their account are erased now. "
    "Each worker paid is mailed once (`payout_sent`: the amount, the IBAN's last four), "
    "unless they set `notify_by_email: false`.",
    responses=[401, 403, 404, 409],
)
def mark_paid(batch_id: str) -> Any:
    session, now = request_session(), utcnow()
    service.mark_batch_paid(
        db_session=session, batch_id=batch_id, admin_id=current_user().id, now=now
    )
    return queries.batch_detail(
        db_session=session, batch_id=batch_id, now=now, sla_days=_sla_days()
    )
