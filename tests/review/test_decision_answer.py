"""The answer to a decision is the submission as its detail shows it, read in one statement:
the submission with its decisions and credit in one (one snapshot on PostgreSQL), its photos
in the other."""

from __future__ import annotations

from sqlalchemy import event

from backend.submissions.queries import submission_detail
from tests.support.factories import UserFactory


def test_the_detail_reads_status_history_photos_and_credit_in_one_statement(
    client, db, make, auth_headers, in_review
):
    waiting = in_review()
    admin = make(UserFactory, role="admin")
    decided = client.post(
        f"/api/v1/submissions/{waiting.submission_id}/decision",
        json={"decision": "approve"},
        headers=auth_headers(admin),
    )
    assert decided.status_code == 200, decided.json
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with db.transaction(write=False) as session:
        session.connection()  # begun before counting: a BEGIN is no read
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            shown = submission_detail(
                db_session=session, submission_id=waiting.submission_id, user=admin
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    assert [(d["status"], d["actor"]) for d in shown["decisions"]] == [
        ("in_review", "machine"),
        ("approved", "admin"),
    ]
    assert shown["decision"]["status"] == "approved"
    assert shown["payout"] is not None
    assert [p["id"] for p in shown["photos"]] == [p["id"] for p in decided.json["photos"]]
