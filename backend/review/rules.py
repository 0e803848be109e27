"""Pure review rules: the reasons a person may reject for, and the platform's deadlines."""

from __future__ import annotations

from datetime import datetime, timedelta

# Decided with the submission (submissions.rules); the review queue reads them too.

# Every rejection names one of these, so the worker learns what to do differently; the
# title is what the worker reads beside the reviewer's comment.
REASON_CODES: dict[str, str] = {
    "blurry_photo": "A photo is too blurred to count the shelf",
    "wrong_store": "The photos or location are not of the assigned store",
    "missing_products": "Products asked for are missing from the photos or answers",
    "reused_photo": "A photo was taken before, for another submission",
    "outside_window": "The visit was outside the mission's time window",
    "incomplete_answers": "Answers are missing or do not match the photos",
    "other": "Another reason, explained in the comment",
}
DECISIONS = ("approve", "reject")
COMMENT_MAX = 2000


def decision_problems(
    decision: str, reason_code: str | None, comment: str | None
) -> dict[str, list[str]]:
    """What is wrong with a reviewer's decision, by field; empty when it may be recorded."""
    problems: dict[str, list[str]] = {}
    if decision not in DECISIONS:
        problems["decision"] = [f"One of {', '.join(DECISIONS)}."]
        return problems
    text = (comment or "").strip()
    if decision == "reject":
        if not reason_code:
            problems["reason_code"] = ["A rejection needs a reason code."]
        elif reason_code not in REASON_CODES:
            problems["reason_code"] = [f"One of {', '.join(REASON_CODES)}."]
        elif reason_code == "other" and not text:
            problems["comment"] = ["A rejection for `other` reasons explains itself here."]
    elif reason_code:
        problems["reason_code"] = ["Only a rejection has a reason code."]
    if len(text) > COMMENT_MAX:
        problems["comment"] = [f"At most {COMMENT_MAX} characters."]
    return problems


def outcome(decision: str) -> str:
    """The submission status a reviewer's decision leads to."""
    return "approved" if decision == "approve" else "rejected"


def review_deadline(in_review_since: datetime, sla_hours: float) -> datetime:
    """When a submission waiting for a person is approved without one."""
    return in_review_since + timedelta(hours=sla_hours)


def appeal_deadline(rejected_at: datetime, window_days: float) -> datetime:
    """The last moment a rejection may be appealed."""
    return rejected_at + timedelta(days=window_days)
