"""Request and response shapes for the review queue, decisions and appeals."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf
from marshmallow import ValidationError, validates

from backend.marketplace.schemas import StoreBrief
from backend.review.models import APPEAL_STATUSES
from backend.review.rules import (
    BULK_APPROVE_MAX,
    COMMENT_MAX,
    DECISIONS,
    LEVEL_RULE,
    REASON_CODES,
    WORKER_LEVELS,
)
from backend.schemas import Money, PageQuery, PhotoLinks, Problem
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


class BrandBrief(Schema):
    id = String()
    name = String()


class QueueQuery(PageQuery):
    campaign_id = String(
        load_default=None, validate=Length(max=36), metadata={"description": "only this campaign"}
    )
    brand_id = String(
        load_default=None, validate=Length(max=36), metadata={"description": "only this brand"}
    )
    flag = String(
        load_default=None,
        validate=Length(1, 64),
        metadata={
            "description": "only submissions carrying this flag (a check's name, or "
            "`campaign_requires_review`)"
        },
    )


class PersonOut(Schema):
    id = String()
    display_name = String()


class ItemLeaseOut(Schema):
    admin = Nested(PersonOut, metadata={"description": "the admin working this submission"})
    expires_at = DateTime(metadata={"description": "the lease ends then unless renewed"})


class LeaseOut(ItemLeaseOut):
    submission_id = String()


class WorkerRecordOut(Schema):
    id = String()
    display_name = String()
    approved = Integer(metadata={"description": "the worker's submissions approved so far"})
    rejected = Integer(metadata={"description": "the worker's submissions rejected so far"})
    level = String(
        validate=OneOf(WORKER_LEVELS),
        metadata={"description": f"From the two counts alone: {LEVEL_RULE}"},
    )


class ProductAskedOut(Schema):
    sku = String()
    name = String()


class MatchOut(Schema):
    check = String(metadata={"description": "`reuse` or `similar_photo`: the check that matched"})
    photo = Integer(
        allow_none=True,
        metadata={"description": "which of this submission's photos matched (its index)"},
    )
    photo_id = String(metadata={"description": "the matched photo, of another submission"})
    submission_id = String(metadata={"description": "the submission the matched photo is from"})
    hamming = Integer(metadata={"description": "bits apart, of 64 (0: the same picture)"})
    exact = Boolean(metadata={"description": "the same file, byte for byte"})
    erased = Boolean(metadata={"description": "erased with its worker's account: no links"})
    url = String(allow_none=True, metadata={"description": "the full-size photo"})
    review_url = String(allow_none=True, metadata={"description": "the review-size photo"})
    thumbnail_url = String(allow_none=True, metadata={"description": "the thumbnail"})


class QueueItemOut(Schema):
    id = String()
    status = String()
    flagged = Boolean(metadata={"description": "a check doubted it (these come first)"})
    flags = List(String())
    checks = List(Nested(CheckOut))
    evidence = Dict(
        metadata={
            "description": "outcome, answers (the default form's, by product: sku, count, "
            "out_of_stock, price), form_answers (every answer: question_id, sku?, value), "
            "location, accuracy, capture time"
        }
    )
    photos = List(Nested(PhotoBrief))
    store = Nested(StoreUnderReview)
    mission_id = String()
    campaign = Nested(CampaignBrief)
    brand = Nested(BrandBrief, metadata={"description": "the brand whose mission it is"})
    reward = Nested(Money)
    received_at = DateTime()
    in_review_since = DateTime()
    deadline_at = DateTime(metadata={"description": "approved and paid automatically after"})
    lease = Nested(
        ItemLeaseOut,
        allow_none=True,
        metadata={"description": "who is working it now; null when nobody holds a live lease"},
    )
    worker = Nested(WorkerRecordOut, metadata={"description": "who sent it, and their record"})
    products = List(
        Nested(ProductAskedOut), metadata={"description": "the products the campaign asks for"}
    )
    matches = List(
        Nested(MatchOut),
        metadata={
            "description": "the photos a reuse or similar-photo check matched, to "
            "compare side by side"
        },
    )


class CountedChoiceOut(Schema):
    id = String()
    name = String()
    count = Integer(metadata={"description": "submissions waiting that choosing it would list"})


class QueueCountsOut(Schema):
    total = Integer(metadata={"description": "submissions waiting that match every filter"})
    flagged = Integer(metadata={"description": "of those, how many a check doubted"})
    by_flag = Dict(
        keys=String(),
        values=Integer(),
        metadata={
            "description": "per flag, how many waiting submissions matching the "
            "campaign and brand filters carry it: what choosing that flag would list"
        },
    )
    by_brand = List(
        Nested(CountedChoiceOut),
        metadata={
            "description": "every brand with a submission waiting under the campaign and flag "
            "filters, by name, with how many: the brand filter's choices"
        },
    )
    by_campaign = List(
        Nested(CountedChoiceOut),
        metadata={
            "description": "every campaign with a submission waiting under the brand and flag "
            "filters, by name, with how many: the campaign filter's choices"
        },
    )


class QueueOut(Schema):
    items = List(Nested(QueueItemOut))
    next_cursor = String(allow_none=True)
    counts = Nested(QueueCountsOut)


class WaitingQueueOut(Schema):
    total = Integer(metadata={"description": "submissions waiting for a person"})
    flagged = Integer(metadata={"description": "of those, how many a check doubted"})


class WaitingAppealsOut(Schema):
    open = Integer(metadata={"description": "appeals waiting for a decision"})


class WaitingOut(Schema):
    queue = Nested(WaitingQueueOut)
    appeals = Nested(WaitingAppealsOut)


class BulkApproveIn(Schema):
    submission_ids = List(
        String(validate=Length(1, 36)),
        required=True,
        validate=Length(1, BULK_APPROVE_MAX),
        metadata={"description": f"1 to {BULK_APPROVE_MAX} submissions, each once"},
    )

    @validates("submission_ids")
    def _each_once(self, value: list[str], **_kwargs: object) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each submission at most once.")


class SkippedOut(Schema):
    submission_id = String()
    code = String(
        metadata={
            "description": "why: `already_decided`, `lease_held`, `not_in_review` or `not_found`"
        }
    )
    detail = String(metadata={"description": "in words, e.g. who decided it and when"})


class BulkApproveOut(Schema):
    approved = List(String(), metadata={"description": "approved (and paid) now, in order"})
    skipped = List(Nested(SkippedOut), metadata={"description": "left as they were, and why"})


class ReasonOut(Schema):
    code = String()
    title = String(metadata={"description": "what the worker reads beside the comment"})


class ReasonsOut(Schema):
    items = List(Nested(ReasonOut))


class ReviewConflict(Problem):
    """A review 409 (problem+json): which code, and what it names."""

    status = Integer(metadata={"description": "409"})
    detail = String(
        metadata={
            "description": "in words: who decided what and when, or who holds the lease until when"
        }
    )
    code = String(
        metadata={
            "description": "`already_decided`, `lease_held`, `not_in_review` (not yet "
            "validated, or abandoned)"
        }
    )
    decided_status = String(metadata={"description": "already_decided: `approved` or `rejected`"})
    actor = String(metadata={"description": "already_decided: `admin`, `machine` or `deadline`"})
    decided_by = Nested(
        PersonOut,
        allow_none=True,
        metadata={"description": "already_decided: the admin; null for the machine or deadline"},
    )
    decided_at = DateTime(metadata={"description": "already_decided: when"})
    submission_status = String(
        metadata={"description": "already_decided, not_in_review: the submission's status"}
    )
    appeal_id = String(metadata={"description": "already_decided, on an appeal: which"})
    holder = Nested(
        PersonOut,
        allow_none=True,
        metadata={"description": "lease_held: the admin holding the lease"},
    )
    expires_at = DateTime(metadata={"description": "lease_held: when the lease ends"})


class AppealOut(Schema):
    id = String()
    submission_id = String()
    status = String()
    message = String()
    rejected_by = String(allow_none=True, metadata={"description": "null: the machine"})
    rejection = Dict(
        metadata={
            "description": "the rejection appealed, as it was: reasons, flags, comment, actor "
            "(machine or admin), decided_at, and decided_by: `{id, display_name}` of the admin "
            "who rejected (null when the machine did)"
        }
    )
    decisions = List(
        Nested(DecisionOut),
        metadata={"description": "every decision on the submission, oldest first"},
    )
    created_at = DateTime()
    deadline_at = DateTime(metadata={"description": "granted automatically after"})
    decided_by = String(allow_none=True, metadata={"description": "the deciding admin's id"})
    decided_by_admin = Nested(
        PersonOut,
        allow_none=True,
        metadata={
            "description": "the admin who decided the appeal, by name; null while open or "
            "when granted by the deadline"
        },
    )
    decided_at = DateTime(allow_none=True)


class AppealListOut(Schema):
    items = List(Nested(AppealOut))
    next_cursor = String(allow_none=True)


class AppealDecisionOut(Schema):
    appeal = Nested(AppealOut)
    submission_status = String()
