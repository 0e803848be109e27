"""Request and response shapes for audits of the machine's sampled approvals."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import (
    AwareDateTime,
    Boolean,
    DateTime,
    Float,
    Integer,
    List,
    Nested,
    String,
)
from apiflask.validators import Length

from backend.review.rules import COMMENT_MAX
from backend.review.schemas import REASONS_DOC, PersonOut, QueueItemOut
from backend.schemas import Problem

AGREEMENT_DOC = (
    "Counted over audited samples only. `by_check`: for each check, the audited samples whose "
    "machine approval ran that check and saw it pass (on every photo it ran on; a machine "
    "approval passes every check it runs), and how many of those the auditor agreed with: a "
    "check whose rate lags is letting through what people would not have. `by_campaign`: the "
    "audited samples of each campaign. `rate` is agreed / reviewed, from 0 to 1, null when "
    "nothing was reviewed."
)


class AuditIn(Schema):
    agree = Boolean(
        required=True,
        metadata={"description": "true: the machine was right to approve"},
    )
    reason_code = String(
        load_default=None,
        allow_none=True,
        validate=Length(max=32),
        metadata={
            "description": "Required to disagree: what a person would have rejected for. "
            + REASONS_DOC
        },
    )
    comment = String(
        load_default=None,
        allow_none=True,
        validate=Length(max=COMMENT_MAX),
        metadata={"description": "For admins only, never the worker; required with `other`"},
    )


# What a queue item has that an audit item has not: a sampled approval has no lease to take
# and no review deadline (it was approved and paid already). Each is left out once
# QueueItemOut declares it, so the audit item follows the queue item as it grows.
_QUEUE_ONLY = tuple(
    name
    for name in ("lease", "in_review_since", "deadline_at")
    if name in QueueItemOut._declared_fields
)


class AuditItemOut(QueueItemOut):
    class Meta(QueueItemOut.Meta):
        exclude = _QUEUE_ONLY

    sampled_at = DateTime(metadata={"description": "drawn for the audit (with the approval)"})
    sample_percent = Float(
        metadata={"description": "FAIRFIELD_AUDIT_SAMPLE_PERCENT when it was drawn"}
    )
    approved_at = DateTime(
        metadata={"description": "the machine's approval: the worker was paid then, for good"}
    )


class AuditCounts(Schema):
    total = Integer(metadata={"description": "samples not yet audited, on every page"})


class AuditQueueOut(Schema):
    items = List(Nested(AuditItemOut))
    next_cursor = String(allow_none=True)
    counts = Nested(AuditCounts)


class AuditOut(Schema):
    submission_id = String()
    agree = Boolean()
    reason_code = String(allow_none=True)
    comment = String(allow_none=True)
    audited_by = Nested(PersonOut)
    audited_at = DateTime()
    sampled_at = DateTime()
    sample_percent = Float()


class AgreementQuery(Schema):
    since = AwareDateTime(
        format="iso",
        load_default=None,
        metadata={
            "description": "Count only samples drawn at or after this time (RFC 3339, with "
            "its offset): the agreement since a threshold changed"
        },
    )


class Agreement(Schema):
    reviewed = Integer(metadata={"description": "audited samples in this group"})
    agreed = Integer(metadata={"description": "of those, the ones the auditor agreed with"})
    rate = Float(
        allow_none=True,
        metadata={"description": "agreed / reviewed, 0 to 1; null when none was reviewed"},
    )


class CheckAgreement(Agreement):
    check = String(metadata={"description": "a check's name, as in a submission's `checks`"})


class CampaignAgreement(Agreement):
    campaign_id = String()
    name = String()


class AgreementOut(Schema):
    overall = Nested(Agreement)
    by_check = List(Nested(CheckAgreement), metadata={"description": "in check name order"})
    by_campaign = List(
        Nested(CampaignAgreement), metadata={"description": "in campaign name order"}
    )


class AuditConflict(Problem):
    """The 409 of a second audit (problem+json): who audited first, when, and what they found."""

    status = Integer(metadata={"description": "409"})
    detail = String(metadata={"description": "in words: who audited, when, and what they found"})
    code = String(metadata={"description": "`already_audited`"})
    audited_by = Nested(PersonOut, metadata={"description": "the admin who audited first"})
    audited_at = DateTime()
    agree = Boolean(metadata={"description": "what they found"})
