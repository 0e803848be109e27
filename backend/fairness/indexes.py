"""Covering indexes the fairness reads walk on other features' tables (migration 0027).

Declared here, beside the statements that walk them, not in the tables' own models: they are
the read side's, and nothing else uses them.
"""

from __future__ import annotations

from sqlalchemy import Index

from backend.submissions.models import Submission

# The window's submissions in the order the counts group them: SQLite (which groups by sorting)
# counts them as they come, instead of sorting every row of the window first.
GROUPED = (
    Submission.campaign_id,
    Submission.status,
    Submission.outcome,
    Submission.credited_minor,
    Submission.credited_currency,
    Submission.received_at,
    Submission.decision_seconds,
)

submissions_grouped = Index("ix_submissions_fairness_grouped", *GROUPED)
submissions_brand_grouped = Index(
    "ix_submissions_brand_fairness_grouped", Submission.brand_id, *GROUPED
)
# A brand's submissions of the window by id, read from the index alone: PostgreSQL finds the
# brand's appeals by hashing these against the appeals, without visiting the table's pages.
submissions_brand_ids = Index(
    "ix_submissions_brand_received_id", Submission.brand_id, Submission.received_at, Submission.id
)
