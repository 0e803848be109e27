"""Campaigns as tests build them: a request body, evidence waiting for a decision, decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from backend.submissions import decisions
from tests.support.world import insert_submission

NOW = datetime.now(UTC)
CAPTURED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
RECEIVED = CAPTURED + timedelta(minutes=3)
DECIDED = CAPTURED + timedelta(hours=2)
# Where the worker stood: distinctive digits, so any leak shows up in a body as text.
WORKER_AT = (48.1234567, 2.7654321)


def campaign_body(targets, **overrides):
    """A valid POST /campaigns body for these stores, with `overrides` on top."""
    return {
        "name": "Towel audit",
        "instructions": "Count facings.",
        "products": [{"sku": "A-1", "name": "Ultra"}, {"sku": "B-2", "name": "Night"}],
        "photos_required": 2,
        "reward": {"amount_minor": 600, "currency": "EUR"},
        "est_minutes": 15,
        "starts_at": (NOW - timedelta(hours=1)).isoformat(),
        "ends_at": (NOW + timedelta(days=7)).isoformat(),
        "store_ids": targets,
    } | overrides


def euros(amount_minor: int) -> dict[str, Any]:
    """An amount in euros as the API writes money."""
    return {"amount_minor": amount_minor, "currency": "EUR"}


def evidence(
    db: Any,
    *,
    mission_id: str,
    worker_id: str,
    brand_id: str,
    outcome: str = "completed",
    answers: list[dict[str, Any]] | None = None,
    photos: int = 1,
) -> tuple[str, list[str]]:
    """A submission with its photos, waiting for a decision; its id and its photos' ids."""
    return insert_submission(
        db,
        mission_id=mission_id,
        worker_id=worker_id,
        brand_id=brand_id,
        outcome=outcome,
        answers=answers,
        at=WORKER_AT,
        captured_at=CAPTURED,
        received_at=RECEIVED,
        photos=photos,
    )


def decide(db: Any, submission_id: str, status: str, now: datetime = DECIDED) -> None:
    with db.transaction() as session:
        decisions.decide(
            db_session=session,
            submission_id=submission_id,
            verdict=decisions.Verdict(
                status=status,
                actor="admin",
                reasons=[] if status == "approved" else ["shelf_not_visible"],
            ),
            now=now,
        )
