"""Every model, imported once so metadata (migrations, tests) sees all tables."""

from backend.accounts.models import AccountToken, ApiKey, ApiToken, Brand, User
from backend.audits.models import Audit
from backend.campaigns.models import Campaign, CampaignProduct
from backend.erasures.models import ErasureLogEntry
from backend.fairness import indexes as fairness_indexes
from backend.idempotency.models import IdempotencyKey
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.mail.models import MailMessage
from backend.missions.models import Assignment, Mission
from backend.ops.models import PipelineCheck
from backend.organisations.models import AuditEntry, OrganisationInvite
from backend.outbox.models import OutboxMessage
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.reconciliation.models import LedgerCheckRun
from backend.review.models import Appeal, ReviewLease
from backend.stores.models import Store, StoreImport
from backend.submissions.models import Decision, Photo, Submission
from backend.uploads.models import Upload
from backend.validation.models import AuditSample
from backend.webhooks.models import (
    WebhookDelivery,
    WebhookMessage,
    WebhookOnce,
    WebhookSubscription,
)

__all__ = [
    "AccountToken",
    "ApiKey",
    "ApiToken",
    "Appeal",
    "Assignment",
    "Audit",
    "AuditEntry",
    "AuditSample",
    "Brand",
    "Campaign",
    "CampaignProduct",
    "Decision",
    "ErasureLogEntry",
    "IdempotencyKey",
    "LedgerCheckRun",
    "LedgerEntry",
    "LedgerTransaction",
    "MailMessage",
    "Mission",
    "OrganisationInvite",
    "OutboxMessage",
    "PayoutBatch",
    "PayoutRequest",
    "Photo",
    "PipelineCheck",
    "ReviewLease",
    "Store",
    "StoreImport",
    "Submission",
    "Upload",
    "User",
    "WebhookDelivery",
    "WebhookMessage",
    "WebhookOnce",
    "WebhookSubscription",
    "fairness_indexes",
]
