"""What the API shows of the review queue and appeals, built from their rows. No session."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from backend.accounts.models import User
from backend.campaigns.models import Campaign
from backend.missions.models import Mission
from backend.review import rules
from backend.review.models import Appeal, ReviewLease
from backend.stores.models import Store
from backend.submissions.answers import normal_answers, product_rows
from backend.submissions.models import Decision, Submission
from backend.submissions.presenters import decision_out
from backend.urls import no_photo_links, photo_links

# What the API shows of a check (CheckOut): the rest (`hard`) stays with the machine.
_CHECK_FIELDS = ("name", "passed", "detail")
Links = Callable[[str], dict[str, str]]


class ListedPhoto(Protocol):
    """What the queue shows of a photo: a Photo, or a row of its id and position."""

    @property
    def id(self) -> str: ...
    @property
    def position(self) -> int: ...


def queue_photo_out(photo: ListedPhoto, links: Links = photo_links) -> dict[str, Any]:
    """A photo as the queue lists it: which one, and its links signed for the reviewer."""
    return {"id": photo.id, "position": photo.position, **links(photo.id)}


def check_out(check: dict[str, Any]) -> dict[str, Any]:
    """A check's verdict as the API shows it."""
    return {k: check[k] for k in _CHECK_FIELDS if k in check}


def queue_item_out(
    submission: Submission,
    *,
    mission: Mission,
    store: Store,
    campaign: Campaign,
    photos: Sequence[ListedPhoto],
    sla_hours: float,
    links: Links = photo_links,
) -> dict[str, Any]:
    """A submission awaiting review, with all a reviewer needs to decide it; in the shape
    QueueItemOut writes it (the queue's page goes out without a schema's dump)."""
    in_review_since = submission.decided_at or submission.received_at
    return {
        "id": submission.id,
        "status": submission.status,
        "flagged": submission.review_rank == 0,
        "flags": submission.flags,
        "checks": [check_out(c) for c in submission.checks],
        "evidence": evidence_out(submission),
        "photos": [queue_photo_out(p, links) for p in photos],
        "store": queue_store_out(store),
        "mission_id": mission.id,
        "campaign": {"id": campaign.id, "name": campaign.name},
        "reward": {
            "amount_minor": mission.reward_amount_minor,
            "currency": mission.reward_currency,
        },
        "received_at": submission.received_at,
        "in_review_since": in_review_since,
        "deadline_at": rules.review_deadline(in_review_since, sla_hours),
    }


def review_item_out(
    item: dict[str, Any],
    *,
    lease: tuple[str, str, datetime] | None,
    brand: tuple[str, str],
    worker: tuple[str, str, int, int],
    products: Sequence[tuple[str, str]],
    matches: Sequence[dict[str, Any]],
    shown: Collection[str],
    links: Links = photo_links,
) -> dict[str, Any]:
    """A queue item with what a reviewer weighs beside the submission: who holds it, the
    brand, the worker's record, the products asked, and the photos a reuse or similar check
    matched."""
    worker_id, name, approved, rejected = worker
    return item | {
        "brand": {"id": brand[0], "name": brand[1]},
        "lease": None if lease is None else lease_out(lease[0], lease[1], lease[2]),
        "worker": {
            "id": worker_id,
            "display_name": name,
            "approved": approved,
            "rejected": rejected,
            "level": rules.worker_level(approved, rejected),
        },
        "products": [{"sku": sku, "name": product} for sku, product in products],
        "matches": [match_out(m, shown=m["photo_id"] in shown, links=links) for m in matches],
    }


def page_item_out(
    row: Any,
    *,
    flags: list[str],
    checks: Sequence[dict[str, Any]],
    answers: Sequence[dict[str, Any]] | None,
    photos: Sequence[ListedPhoto],
    products: Sequence[tuple[str, str]],
    matches: Sequence[dict[str, Any]],
    shown: Collection[str],
    sla_hours: float,
    links: Links = photo_links,
) -> dict[str, Any]:
    """A queue item from one flat row of the queue's page (its JSON columns decoded apart):
    what review_item_out(queue_item_out(...)) makes of the same submission, key for key
    (tests/review/test_queue_shape.py holds the two equal)."""
    in_review_since = row.decided_at or row.received_at
    return {
        "id": row.id,
        "status": row.status,
        "flagged": row.review_rank == 0,
        "flags": flags,
        "checks": [check_out(c) for c in checks],
        "evidence": {
            "outcome": row.outcome,
            "answers": product_rows(answers),
            "form_answers": normal_answers(answers),
            "latitude": row.latitude,
            "longitude": row.longitude,
            "accuracy_m": row.accuracy_m,
            "captured_at": row.captured_at,
        },
        "photos": [queue_photo_out(p, links) for p in photos],
        "store": {
            "id": row.store_id,
            "name": row.store_name,
            "address": row.store_address,
            "latitude": row.store_latitude,
            "longitude": row.store_longitude,
            "geofence_m": row.store_geofence_m,
        },
        "mission_id": row.mission_id,
        "campaign": {"id": row.campaign_id, "name": row.campaign_name},
        "reward": {"amount_minor": row.reward_amount_minor, "currency": row.reward_currency},
        "received_at": row.received_at,
        "in_review_since": in_review_since,
        "deadline_at": rules.review_deadline(in_review_since, sla_hours),
        "brand": {"id": row.brand_id, "name": row.brand_name},
        "lease": None
        if row.lease_admin_id is None
        else lease_out(row.lease_admin_id, row.lease_admin_name, row.lease_expires_at),
        "worker": {
            "id": row.worker_id,
            "display_name": row.worker_name,
            "approved": row.approved,
            "rejected": row.rejected,
            "level": rules.worker_level(row.approved, row.rejected),
        },
        "products": [{"sku": sku, "name": product} for sku, product in products],
        "matches": [match_out(m, shown=m["photo_id"] in shown, links=links) for m in matches],
    }


def lease_out(admin_id: str, display_name: str, expires_at: datetime) -> dict[str, Any]:
    """A lease as others see it: which admin works the submission, until when."""
    return {"admin": {"id": admin_id, "display_name": display_name}, "expires_at": expires_at}


def taken_lease_out(lease: ReviewLease, admin: User) -> dict[str, Any]:
    """The lease an admin just took or renewed."""
    return {"submission_id": lease.submission_id} | lease_out(
        admin.id, admin.display_name, lease.expires_at
    )


def match_out(match: dict[str, Any], *, shown: bool, links: Links = photo_links) -> dict[str, Any]:
    """A photo a reuse or similar check matched, with its links (none once erased)."""
    made: Mapping[str, str | None] = links(match["photo_id"]) if shown else no_photo_links()
    return {
        "check": match["check"],
        "photo": match.get("photo"),
        "photo_id": match["photo_id"],
        "submission_id": match["submission_id"],
        "hamming": match["hamming"],
        "exact": match["exact"],
        "erased": not shown,
        **made,
    }


def reasons_out() -> dict[str, Any]:
    """The catalogue of reasons a reviewer may reject for."""
    return {"items": [{"code": c, "title": t} for c, t in rules.REASON_CODES.items()]}


def bulk_approval_out(approved: Sequence[str], skipped: Sequence[dict[str, str]]) -> dict[str, Any]:
    """What a bulk approval did."""
    return {"approved": list(approved), "skipped": list(skipped)}


def evidence_out(submission: Submission) -> dict[str, Any]:
    """What the worker reported, where and when, as the reviewer weighs it."""
    return {
        "outcome": submission.outcome,
        # Today's rows by product, as the review screen reads them, and every answer.
        "answers": product_rows(submission.answers),
        "form_answers": normal_answers(submission.answers),
        "latitude": submission.latitude,
        "longitude": submission.longitude,
        "accuracy_m": submission.accuracy_m,
        "captured_at": submission.captured_at,
    }


def queue_store_out(store: Store) -> dict[str, Any]:
    """The store a queued submission is from, with the geofence its position is held to."""
    return {
        "id": store.id,
        "name": store.name,
        "address": store.address,
        "latitude": store.latitude,
        "longitude": store.longitude,
        "geofence_m": store.geofence_m,
    }


def person_out(user_id: str | None, names: Mapping[str, str]) -> dict[str, str] | None:
    """An admin named beside a decision, or None (the machine, the deadline, nobody yet)."""
    if user_id is None:
        return None
    return {"id": user_id, "display_name": names.get(user_id, "")}


def appeal_out(
    appeal: Appeal,
    decisions: Sequence[Decision],
    sla_hours: float,
    names: Mapping[str, str],
) -> dict[str, Any]:
    """An appeal as admins see it: the worker's message beside the rejection it contests (as
    it was, whatever the appeal decided since) and who made it, every decision on the
    submission, and who decided the appeal; `names` are the admins' display names by id."""
    contested = [d for d in decisions if d.status == "rejected" and d.appeal_id is None]
    rejection = contested[-1] if contested else None
    return {
        "id": appeal.id,
        "submission_id": appeal.submission_id,
        "status": appeal.status,
        "message": appeal.message,
        "rejected_by": appeal.rejected_by,
        "rejection": {
            "reasons": rejection.reasons if rejection else [],
            "flags": rejection.flags if rejection else [],
            "comment": rejection.comment if rejection else None,
            "actor": rejection.actor if rejection else None,
            "decided_at": rejection.created_at.isoformat() if rejection else None,
            "decided_by": person_out(rejection.actor_id if rejection else None, names),
        },
        "decisions": [decision_out(d) for d in decisions],
        "created_at": appeal.created_at,
        "deadline_at": rules.review_deadline(appeal.created_at, sla_hours),
        "decided_by": appeal.decided_by,
        "decided_by_admin": person_out(appeal.decided_by, names),
        "decided_at": appeal.decided_at,
    }


def appeal_people(appeal: Appeal, decisions: Sequence[Decision]) -> set[str]:
    """The admins an appeal's answer names: who rejected, who decided it."""
    return {d.actor_id for d in decisions if d.actor_id} | (
        {appeal.decided_by} if appeal.decided_by else set()
    )


def appeal_decision_out(
    appeal: Appeal,
    submission: Submission,
    decisions: Sequence[Decision],
    sla_hours: float,
    names: Mapping[str, str],
) -> dict[str, Any]:
    """A decided appeal and where it left its submission."""
    return {
        "appeal": appeal_out(appeal, decisions, sla_hours, names),
        "submission_status": submission.status,
    }
