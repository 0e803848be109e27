"""What one admin approval sends, counted statement by statement (never timed): the brand's
webhook subscriptions once and no whole row of the submission, whatever events the approval
may fire (submission.approved, campaign.budget_low, campaign.completed each used to read the
subscriptions again, and the row was read again after the decision); and the approval's
statements in all, pinned."""

from __future__ import annotations

import pytest

from backend.kernel.clock import utcnow
from backend.review import service as review
from tests.support.factories import UserFactory
from tests.support.statements import selects, statements

EVERY_EVENT = ["submission.approved", "campaign.budget_low", "campaign.completed"]


def whole_submission_rows(seen: list[str]) -> int:
    """SELECTs that load a submission's whole row (as the ORM's Submission), not a few columns."""
    return sum(
        1
        for statement in seen
        if statement.lstrip().upper().startswith("SELECT")
        and "submissions.assignment_id" in statement.split("FROM", 1)[0]
    )


def approved_by(app, db, reviewer, submission_id: str) -> list[str]:
    """The statements an approval of the submission by `reviewer` sent, through the service."""
    with (
        app.app_context(),
        statements(app.extensions["fairfield.db"]) as seen,
        db.transaction() as session,
    ):
        review.decide_submission(
            db_session=session,
            submission_id=submission_id,
            reviewer=reviewer,
            decision="approve",
            reason_code=None,
            comment=None,
            now=utcnow(),
        )
    return seen


@pytest.fixture
def subscribed(client, make, auth_headers, in_review):
    """A submission awaiting review, its brand subscribed to every event an approval fires."""
    waiting = in_review()
    owner = auth_headers(make(UserFactory, role="brand", brand=waiting.claimed.brand))
    made = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.org/in", "events": EVERY_EVENT},
        headers=owner,
    )
    assert made.status_code == 201, made.json
    return waiting


def test_an_approval_reads_the_subscriptions_once_and_no_whole_submission(
    app, db, make, subscribed
):
    reviewer = make(UserFactory, role="admin")
    seen = approved_by(app, db, reviewer, subscribed.submission_id)
    assert selects(seen)["webhook_subscriptions"] == 1, seen
    # What the decision needs of it (status, checks, flags, photos) is read as columns.
    assert whole_submission_rows(seen) == 0, seen


def test_an_approval_over_http_reads_the_subscriptions_once(app, client, admin, subscribed):
    with statements(app.extensions["fairfield.db"]) as seen:
        response = client.post(
            f"/api/v1/submissions/{subscribed.submission_id}/decision",
            json={"decision": "approve"},
            headers=admin(),
        )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "approved"
    assert selects(seen)["webhook_subscriptions"] == 1, seen
    # The answer's: the approval added none.
    assert whole_submission_rows(seen) == 1, seen


# An approval nobody listens to, statement by statement: BEGIN (SQLite), its columns and
# photos, the leases dropped, the move, the decision, the mission's row locked with the
# approval's facts, the mission's other submissions, the ledger (on PostgreSQL one statement
# with the submission's credited_minor; on SQLite the transaction, its entries, and
# credited_minor), the mission completed, the subscriptions, the notice's mail and its outbox
# row; after the commit the outbox row marked sent (one statement in autocommit).
APPROVAL_STATEMENTS = {"sqlite": 15, "postgresql": 12}


def test_an_approval_sends_as_many_statements_as_pinned(app, db, make, in_review):
    waiting = in_review()
    reviewer = make(UserFactory, role="admin")
    seen = approved_by(app, db, reviewer, waiting.submission_id)
    assert len(seen) == APPROVAL_STATEMENTS[db.engine.dialect.name], seen
