"""Response shapes of the caller's own account: the profile, the export, the erasure."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Float, Integer, List, Nested, String

from backend.accounts.schemas import BrandOut, UserOut
from backend.marketplace.schemas import AssignmentOut
from backend.organisations.schemas import MeOrganisationOut
from backend.schemas import Money, PhotoLinks


class MeOut(UserOut):
    organisation = Nested(
        MeOrganisationOut,
        allow_none=True,
        metadata={"description": "A brand member's organisation and role in it; null for others"},
    )
    # Workers only; null for brands and admins.
    balance = Nested(Money, allow_none=True)
    approved_missions = Integer(allow_none=True)
    level = String(allow_none=True, metadata={"description": "starter, bronze, silver, gold"})


class ExportProfileOut(Schema):
    id = String()
    email = String()
    display_name = String()
    role = String()
    brand = Nested(BrandOut, allow_none=True)
    created_at = DateTime()
    email_verified_at = DateTime(allow_none=True)
    locale = String()
    notify_by_email = Boolean()


class ExportPhotoOut(PhotoLinks):
    id = String()
    position = Integer()
    sha256 = String()
    size = Integer()
    received_at = DateTime()


class ExportUploadOut(Schema):
    id = String()
    position = Integer()
    size = Integer()
    sha256 = String()
    created_at = DateTime()
    expires_at = DateTime()
    completed_at = DateTime(allow_none=True)


class ExportDecisionOut(Schema):
    status = String()
    actor = String(metadata={"description": "machine, admin or deadline"})
    reasons = List(String())
    flags = List(String())
    comment = String(allow_none=True)
    evidence = Dict()
    appeal_id = String(allow_none=True)
    decided_at = DateTime()


class ExportSubmissionOut(Schema):
    id = String()
    assignment_id = String()
    mission_id = String()
    status = String()
    outcome = String()
    answers = List(Dict())
    latitude = Float(allow_none=True, metadata={"description": "null once reduced"})
    longitude = Float(allow_none=True, metadata={"description": "null once reduced"})
    accuracy_m = Float(allow_none=True, metadata={"description": "null once reduced"})
    location_reduced_at = DateTime(allow_none=True)
    captured_at = DateTime()
    received_at = DateTime()
    checks = List(Dict())
    reasons = List(String())
    flags = List(String())
    photos = List(Nested(ExportPhotoOut))
    uploads = List(Nested(ExportUploadOut), metadata={"description": "resumable submissions"})
    decisions = List(Nested(ExportDecisionOut))


class ExportAppealOut(Schema):
    id = String()
    submission_id = String()
    message = String()
    status = String()
    created_at = DateTime()
    decided_at = DateTime(allow_none=True)


class ExportPayoutRequestOut(Schema):
    id = String()
    amount = Nested(Money)
    iban = String(metadata={"description": "in full: it is your own"})
    bic = String(allow_none=True)
    holder_name = String()
    status = String()
    requested_at = DateTime()
    paid_at = DateTime(allow_none=True)
    final = Boolean(metadata={"description": "asked when closing the account"})


class ExportLedgerLineOut(Schema):
    id = String()
    transaction_id = String()
    kind = String()
    amount = Nested(Money)
    created_at = DateTime()
    submission_id = String(allow_none=True)
    memo = String(allow_none=True)


class ExportLedgerOut(Schema):
    balance = Nested(Money)
    items = List(Nested(ExportLedgerLineOut))


class ExportTokenOut(Schema):
    id = String()
    created_at = DateTime()
    expires_at = DateTime()


class ExportIdempotencyKeyOut(Schema):
    key = String()
    response_status = Integer()
    created_at = DateTime()


class ExportOut(Schema):
    format = String(metadata={"description": "fairfield-export/1"})
    generated_at = DateTime()
    profile = Nested(ExportProfileOut)
    assignments = List(Nested(AssignmentOut))
    submissions = List(Nested(ExportSubmissionOut))
    appeals = List(Nested(ExportAppealOut))
    payout_requests = List(Nested(ExportPayoutRequestOut))
    ledger = Nested(ExportLedgerOut, allow_none=True, metadata={"description": "workers only"})
    api_tokens = List(Nested(ExportTokenOut, metadata={"description": "never the token"}))
    idempotency_keys = List(Nested(ExportIdempotencyKeyOut))


class ErasedOut(Schema):
    id = String()
    erased_at = DateTime()
    submissions = Integer(metadata={"description": "positions nulled, checks stripped"})
    photos = Integer(metadata={"description": "rows kept without digest or hash"})
    files_deleted = Integer(metadata={"description": "stored photos and derived copies"})
    appeals = Integer(metadata={"description": "messages replaced"})
    payout_requests = Integer(metadata={"description": "IBAN and holder name overwritten"})
    payout_requests_kept = Integer(
        metadata={
            "description": "final requests not paid yet: their bank details are kept until "
            "their batch is marked paid, then overwritten"
        }
    )
