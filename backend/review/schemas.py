"""Request and response shapes for the review queue, decisions and appeals."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf

from backend.marketplace.schemas import StoreBrief
from backend.review.models import APPEAL_STATUSES
from backend.review.rules import COMMENT_MAX, DECISIONS, REASON_CODES
from backend.schemas import Money, PageQuery, PhotoLinks
from backend.submissions.schemas import CheckOut, DecisionOut

REASONS_DOC = "; ".join(f"`{code}`: {title}" for code, title in REASON_CODES.items())


class DecisionIn(Schema):
    decision = String(required=True, validate=OneOf(DECISIONS))
    reason_code = String(
        load_default=None,
        allow_none=True,
        validate=Length(max=32),
        metadata={"description": f"Required to reject. {REASONS_DOC}"},
    )
    comment = String(
        load_default=None,
        allow_none=True,
        validate=Length(max=COMMENT_MAX),
        metadata={"description": "Shown to the worker; required with `other`"},
    )


class AppealIn(Schema):
    message = String(required=True, validate=Length(1, COMMENT_MAX))


class AppealListQuery(PageQuery):
    status = String(load_default="open", validate=OneOf(APPEAL_STATUSES))


class StoreUnderReview(StoreBrief):
    geofence_m = Integer()


class PhotoBrief(PhotoLinks):
    id = String()
    position = Integer()


class CampaignBrief(Schema):
    id = String()
    name = String()


class QueueItemOut(Schema):
    id = String()
    status = String()
    flagged = Boolean(metadata={"description": "a check doubted it (these come first)"})
    flags = List(String())
    checks = List(Nested(CheckOut))
    evidence = Dict(metadata={"description": "outcome, answers, location, accuracy, capture time"})
    photos = List(Nested(PhotoBrief))
    store = Nested(StoreUnderReview)
    mission_id = String()
    campaign = Nested(CampaignBrief)
    reward = Nested(Money)
    received_at = DateTime()
    in_review_since = DateTime()
    deadline_at = DateTime(metadata={"description": "approved and paid automatically after"})


class QueueOut(Schema):
    items = List(Nested(QueueItemOut))
    next_cursor = String(allow_none=True)


class AppealOut(Schema):
    id = String()
    submission_id = String()
    status = String()
    message = String()
    rejected_by = String(allow_none=True, metadata={"description": "null: the machine"})
    rejection = Dict(
        metadata={
            "description": "the rejection appealed, as it was: reasons, flags, comment, actor "
            "(machine or admin), decided_at"
        }
    )
    decisions = List(
        Nested(DecisionOut),
        metadata={"description": "every decision on the submission, oldest first"},
    )
    created_at = DateTime()
    deadline_at = DateTime(metadata={"description": "granted automatically after"})
    decided_by = String(allow_none=True)
    decided_at = DateTime(allow_none=True)


class AppealListOut(Schema):
    items = List(Nested(AppealOut))
    next_cursor = String(allow_none=True)


class AppealDecisionOut(Schema):
    appeal = Nested(AppealOut)
    submission_status = String()
