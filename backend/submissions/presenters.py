"""What the API shows of submissions, their photos and decisions, built from rows. No session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from backend.accounts.models import User
from backend.submissions.answers import normal_answers, product_rows
from backend.submissions.models import Decision, Photo, Submission
from backend.urls import photo_links

# What a check's evidence says about the worker beyond this store, or about other brands'
# submissions: kept from brands.
_WORKER_TRAIL = {"travel_speed"}
_OTHER_SUBMISSIONS = {"reuse", "similar_photo"}


def accepted_out(submission: Submission) -> dict[str, Any]:
    """A submission just received: which one, and where it stands."""
    return {"submission_id": submission.id, "status": submission.status}


def submission_out(
    submission: Submission,
    *,
    user: User,
    photos: Sequence[Photo],
    decision: Decision | None,
    decisions: Sequence[Decision],
    payout: dict[str, Any] | None,
) -> dict[str, Any]:
    """A submission as `user` sees it: a brand without the worker's position or trail."""
    brand = user.role == "brand"
    return {
        "id": submission.id,
        "assignment_id": submission.assignment_id,
        "mission_id": submission.mission_id,
        "status": submission.status,
        "outcome": submission.outcome,
        "answers": product_rows(submission.answers),
        "form_answers": normal_answers(submission.answers),
        # A brand learns whether the worker was at its store, not where the worker was.
        "latitude": None if brand else submission.latitude,
        "longitude": None if brand else submission.longitude,
        "accuracy_m": None if brand else submission.accuracy_m,
        "captured_at": submission.captured_at,
        "received_at": submission.received_at,
        "photos": [photo_out(p, viewer_id=user.id) for p in photos],
        "checks": checks_for_brand(submission.checks) if brand else submission.checks,
        "decision": None if decision is None else decision_out(decision),
        "decisions": [decision_out(d) for d in decisions],
        "payout": payout,
    }


def submission_brief_out(submission: Submission) -> dict[str, Any]:
    """A submission in its worker's list: which claim it answers and where it stands."""
    return {
        "id": submission.id,
        "assignment_id": submission.assignment_id,
        "mission_id": submission.mission_id,
        "status": submission.status,
        "outcome": submission.outcome,
        "received_at": submission.received_at,
        "decided_at": submission.decided_at,
    }


def photo_out(photo: Photo, *, viewer_id: str) -> dict[str, Any]:
    """A photo of a submission: what it is, and its links signed for `viewer_id`."""
    return {
        "id": photo.id,
        "position": photo.position,
        "sha256": photo.sha256,
        "size": photo.size,
        **photo_links(photo.id, viewer_id=viewer_id),
    }


def decision_out(decision: Decision) -> dict[str, Any]:
    """A decision as the submission's viewers see it (never who decided, nor their evidence)."""
    return {
        "status": decision.status,
        "actor": decision.actor,
        "reasons": decision.reasons,
        "flags": decision.flags,
        "comment": decision.comment,
        "decided_at": decision.created_at,
        "on_appeal": decision.appeal_id is not None,
    }


def credit_out(amount_minor: int, currency: str, credited_at: datetime) -> dict[str, Any]:
    """What the worker was credited for an approved submission."""
    return {
        "amount": {"amount_minor": amount_minor, "currency": currency},
        "credited_at": credited_at,
    }


def checks_for_brand(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The checks as a brand sees them: nothing of the worker's trail or others' photos."""
    shown = []
    for check in checks:
        detail = dict(check["detail"])
        if check["name"] in _WORKER_TRAIL:
            detail = {}
        elif check["name"] in _OTHER_SUBMISSIONS:
            detail["matches"] = [
                {"photo": m["photo"], "hamming": m["hamming"], "exact": m["exact"]}
                for m in detail.get("matches", [])
            ]
        shown.append(check | {"detail": detail})
    return shown
