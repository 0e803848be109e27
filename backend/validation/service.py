"""Validate a submission: gather its evidence, inspect its photos, record one decision.

Three steps so that the slow one holds no lock: `gather` reads in a short transaction,
`inspect_photos` decodes outside any transaction, `record_validation` checks reuse, location
and answers and writes the decision in one short write transaction, exactly once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from backend import geo
from backend.campaigns import forms
from backend.campaigns.models import Campaign, CampaignProduct
from backend.kernel.clock import utcnow
from backend.missions.models import Assignment, Mission
from backend.outbox.tasks import enqueue
from backend.settings import Settings as AppSettings
from backend.storage import PhotoStore
from backend.stores.models import Store
from backend.submissions import states
from backend.submissions.answers import product_rows
from backend.submissions.decisions import Verdict, decide
from backend.submissions.models import Photo, Submission
from backend.submissions.photos import VARIANTS_TASK
from backend.validation import reuse, rules, sampling
from backend.validation.photos import Check, PhotoLimits, exif_checks, inspect_photo
from backend.validation.photos import perceptual_hash as phash_of


@dataclass(frozen=True)
class Settings:
    limits: PhotoLimits
    max_hamming: int  # this close or closer: the same picture (a hard failure)
    similar_hamming: int  # this close: a doubt for a person
    max_speed_kmh: float
    clock_drift: timedelta  # a phone's clock against ours, either way, in every time check
    audit_sample_percent: float  # of the approvals, drawn for a person's second look


def settings_from(settings: AppSettings) -> Settings:
    """The validation thresholds from the app's FAIRFIELD_* settings."""
    return Settings(
        limits=PhotoLimits(
            max_pixels=settings.photo_max_pixels,
            min_short_side=settings.photo_min_short_side,
            min_sharpness=settings.photo_min_sharpness,
            min_luminance=settings.photo_min_luminance,
            max_luminance=settings.photo_max_luminance,
            max_clipped=settings.photo_max_clipped,
        ),
        max_hamming=settings.photo_reuse_max_hamming,
        similar_hamming=settings.photo_similar_max_hamming,
        max_speed_kmh=settings.max_travel_speed_kmh,
        clock_drift=timedelta(minutes=settings.exif_clock_drift_minutes),
        audit_sample_percent=settings.audit_sample_percent,
    )


@dataclass(frozen=True)
class Evidence:
    """Everything validation needs about one submission, read once."""

    submission_id: str
    worker_id: str
    outcome: str
    answers: list[dict[str, Any]]
    position: tuple[float, float]
    accuracy_m: float
    captured_at: datetime
    received_at: datetime
    photos: list[tuple[str, str]]  # (photo id, sha256) in order
    store: tuple[float, float]
    geofence_m: int
    window: tuple[datetime, datetime]  # the claim: from claiming to its expiry
    skus: list[str]
    photos_required: int
    review_required: bool


@dataclass(frozen=True)
class PhotoResult:
    photo_id: str
    checks: list[Check]
    phash: int | None


def gather(*, db_session: Session, submission_id: str) -> Evidence | None:
    """The evidence of a submission still awaiting validation; None if decided or unknown."""
    row = db_session.execute(
        select(Submission, Assignment, Store, Campaign)
        .join(Assignment, Assignment.id == Submission.assignment_id)
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(Submission.id == submission_id)
    ).first()
    if row is None or row.Submission.status not in ("received", "validating"):
        return None
    submission, assignment, store, campaign = row
    photos = db_session.execute(
        select(Photo.id, Photo.sha256)
        .where(Photo.submission_id == submission_id)
        .order_by(Photo.position)
    ).all()
    skus = db_session.scalars(
        select(CampaignProduct.sku).where(CampaignProduct.campaign_id == campaign.id)
    ).all()
    # A form that does not count every product as today's does has no counts to check: its
    # answers were held to the form on receipt.
    counted = forms.counts_products(campaign.questions)
    # Validation runs within minutes of upload, long before the position is reduced.
    assert submission.latitude is not None
    assert submission.longitude is not None
    assert submission.accuracy_m is not None
    return Evidence(
        submission_id=submission.id,
        worker_id=submission.worker_id,
        outcome=submission.outcome,
        answers=product_rows(submission.answers) if counted else [],
        position=(submission.latitude, submission.longitude),
        accuracy_m=submission.accuracy_m,
        captured_at=submission.captured_at,
        received_at=submission.received_at,
        photos=[(p.id, p.sha256) for p in photos],
        store=(store.latitude, store.longitude),
        geofence_m=store.geofence_m,
        window=(assignment.created_at, assignment.expires_at),
        skus=list(skus) if counted else [],
        photos_required=campaign.photos_required,
        review_required=campaign.review_required,
    )


def inspect_photos(
    evidence: Evidence, *, store: PhotoStore, settings: Settings
) -> list[PhotoResult]:
    """Decode each photo once, reduced, and measure it; no database, no lock."""
    results = []
    for index, (photo_id, sha256) in enumerate(evidence.photos):
        try:
            with store.open(sha256) as stored:
                data = stored.read()  # bounded by FAIRFIELD_PHOTO_MAX_BYTES at upload
        except FileNotFoundError:
            missing = Check("stored", False, {"photo": index, "sha256": sha256}, hard=True)
            results.append(PhotoResult(photo_id, [missing], None))
            continue
        report = inspect_photo(data, settings.limits)
        checks = list(report.checks) + exif_checks(
            report.exif,
            window=(evidence.window[0], evidence.received_at),
            store=evidence.store,
            geofence_m=evidence.geofence_m,
            distance_m=geo.distance_m,
            clock_drift=settings.clock_drift,
        )
        checks = [Check(c.name, c.passed, {"photo": index, **c.detail}, c.hard) for c in checks]
        phash = phash_of(report.reduced) if report.reduced is not None else None
        results.append(PhotoResult(photo_id, checks, phash))
    return results


def _lock_reuse_index(
    db_session: Session, evidence: Evidence, results: list[PhotoResult], settings: Settings
) -> None:
    # Reuse is checked against photos already hashed, and the hashes written, under locks:
    # of two copies validated at the same moment, the second sees the first. Only what could
    # match is locked (the photos' sha256s and perceptual-hash bands), so validations of
    # unrelated submissions run side by side. SQLite's write transaction is already exclusive.
    if db_session.get_bind().dialect.name != "postgresql":
        return
    keys = reuse.lock_keys(
        sha256s=[sha for _, sha in evidence.photos],
        phashes=[r.phash for r in results if r.phash is not None],
        max_hamming=max(settings.similar_hamming, settings.max_hamming),
    )
    # Taken in the keys' order, one statement (the function runs after the sort).
    db_session.execute(
        text(
            "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k ORDER BY k"
        ),
        {"keys": keys},
    )


def _reuse_checks(
    db_session: Session, evidence: Evidence, results: list[PhotoResult], settings: Settings
) -> list[Check]:
    """The same picture in another submission (hard), or one very like it (soft).

    Exact copies are matched against submissions received earlier: their photo rows exist
    from upload, so the copy is caught whatever order validation runs in. Near copies can
    only be matched against photos already hashed, so against submissions validated before
    this one (validations record one at a time): of two, the second decided is caught.
    A submission already rejected is no evidence against another: a copy's rejection must
    not bring down its original. Only a re-encoded or resized copy is close enough to
    reject; a picture merely like another (the same shelf, photographed again) goes to a
    person, for honest workers do photograph the same shelves.
    """
    exact = reuse.exact_matches(
        db_session,
        sha256s=[sha for _, sha in evidence.photos],
        submission_id=evidence.submission_id,
        received_at=evidence.received_at,
    )
    candidates: list[tuple[int, reuse.Match]] = []
    for index, ((_, sha256), result) in enumerate(zip(evidence.photos, results, strict=True)):
        matches = exact.get(sha256, [])
        if result.phash is not None:
            matches = matches + reuse.near_matches(
                db_session,
                phash=result.phash,
                max_hamming=max(settings.similar_hamming, settings.max_hamming),
                submission_id=evidence.submission_id,
            )
        candidates += [(index, m) for m in matches]
    standing = _not_rejected(db_session, {m.submission_id for _, m in candidates})
    same: list[dict[str, Any]] = []
    similar: list[dict[str, Any]] = []
    seen = set()
    for index, match in candidates:
        if match.submission_id in standing and (index, match.photo_id) not in seen:
            seen.add((index, match.photo_id))
            found = same if match.exact or match.hamming <= settings.max_hamming else similar
            found.append({"photo": index, **asdict(match)})
    return [
        Check("reuse", not same, {"matches": same[:10], "max_hamming": settings.max_hamming}, True),
        Check(
            "similar_photo",
            not similar,
            {"matches": similar[:10], "max_hamming": settings.similar_hamming},
        ),
    ]


def _not_rejected(db_session: Session, submission_ids: set[str]) -> set[str]:
    if not submission_ids:
        return set()
    return set(
        db_session.scalars(
            select(Submission.id).where(
                Submission.id.in_(submission_ids), Submission.status != "rejected"
            )
        )
    )


def _previous_position(
    db_session: Session, evidence: Evidence
) -> tuple[tuple[float, float], datetime] | None:
    row = db_session.execute(
        select(Submission.latitude, Submission.longitude, Submission.captured_at)
        .where(
            Submission.worker_id == evidence.worker_id,
            Submission.id != evidence.submission_id,
            Submission.captured_at <= evidence.captured_at,
            Submission.latitude.is_not(None),
        )
        .order_by(Submission.captured_at.desc())
        .limit(1)
    ).first()
    return None if row is None else ((row.latitude, row.longitude), row.captured_at)


def _submission_checks(
    db_session: Session, evidence: Evidence, results: list[PhotoResult], settings: Settings
) -> list[Check]:
    checks = [
        *_reuse_checks(db_session, evidence, results, settings),
        rules.location_check(
            evidence.position,
            evidence.accuracy_m,
            store=evidence.store,
            geofence_m=evidence.geofence_m,
            distance_m=geo.distance_m,
        ),
        rules.speed_check(
            _previous_position(db_session, evidence),
            (evidence.position, evidence.captured_at),
            max_kmh=settings.max_speed_kmh,
            distance_m=geo.distance_m,
        ),
        rules.capture_window_check(
            evidence.captured_at, window=evidence.window, clock_drift=settings.clock_drift
        ),
    ]
    answers = rules.answer_checks(
        evidence.answers,
        skus=evidence.skus,
        photos_sent=len(evidence.photos),
        photos_required=evidence.photos_required,
        outcome=evidence.outcome,
    )
    return checks + answers


def record_validation(
    *, db_session: Session, evidence: Evidence, results: list[PhotoResult], settings: Settings
) -> rules.Decision | None:
    """Check what needs the database and record the machine's decision; None if decided."""
    if not states.move(
        db_session, submission_id=evidence.submission_id, froms=("received",), to="validating"
    ):
        return None  # another delivery decided it; the row lock made us wait for that
    _lock_reuse_index(db_session, evidence, results, settings)
    other = _submission_checks(db_session, evidence, results, settings)
    decision = rules.decide(
        [r.checks for r in results], other, review_required=evidence.review_required
    )
    if results:  # one executemany, by primary key
        db_session.execute(
            update(Photo),
            [{"id": r.photo_id, **reuse.index_values(r.phash)} for r in results],
        )
    checks = [
        {"name": c.name, "passed": c.passed, "detail": c.detail, "hard": c.hard}
        for c in [c for r in results for c in r.checks] + other
    ]
    now = utcnow()
    decided = decide(
        db_session=db_session,
        submission_id=evidence.submission_id,
        verdict=Verdict(
            status=decision.status,
            actor="machine",
            reasons=rules.reason_codes(decision.reasons),
            flags=decision.flags,
            checks=checks,
        ),
        now=now,
        from_statuses=("validating",),
    )
    sampled = False
    if decided and decision.status == "approved":
        # After the approval and its credit, which the sample leaves exactly as they are.
        sampled = sampling.sample_approval(
            db_session=db_session,
            submission_id=evidence.submission_id,
            checks=checks,
            percent=settings.audit_sample_percent,
            now=now,
        )
    if decided and (decision.status == "in_review" or sampled):
        # The review size and thumbnail, made now for the admin who will open this one. Not
        # before the decision: they would take the CPU the checks need, for submissions most
        # of which nobody reviews (any other copy is made on the request that first wants it).
        enqueue(db_session, VARIANTS_TASK, evidence.submission_id)
    db_session.flush()
    return decision
