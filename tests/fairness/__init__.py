"""A known world for the fairness figures: two brands, three campaigns, decided submissions,
appeals and payouts at chosen times, so every median and rate has one right answer.

With the default travel allowance (15 minutes) the pay per active hour is:
quick (600 for 15 min) 1200, long (900 for 45 min) 900, other brand's (400 for 60 min) 320.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.payouts.models import PayoutRequest
from backend.review.models import Appeal
from backend.submissions import decisions, states
from tests.support.factories import BrandFactory, UserFactory
from tests.support.world import build, insert_submission

HOUR = 3600.0
DAY = 24 * HOUR
BRUSSELS = (50.8467, 4.3525)


@dataclass
class World:
    now: datetime
    brand_a: Any
    brand_b: Any
    worker: Any
    admin: Any
    quick: str  # brand A, 1200 per active hour
    long: str  # brand A, 900 per active hour
    other: str  # brand B, 320 per active hour
    builder: Builder


class Builder:
    def __init__(self, db: Any, worker: Any, admin: Any, now: datetime) -> None:
        self.db, self.worker, self.admin, self.now = db, worker, admin, now
        self.free: dict[str, list[str]] = {}
        self.brand_of: dict[str, str] = {}

    def campaign(self, brand_id: str, *, reward: int, est_minutes: int, missions: int) -> str:
        campaign_id, ids = build(
            self.db, brand_id, [BRUSSELS] * missions, reward=reward, est_minutes=est_minutes
        )
        self.free[campaign_id], self.brand_of[campaign_id] = ids, brand_id
        return campaign_id

    def submit(
        self, campaign_id: str, days_ago: float, outcome: str = "completed"
    ) -> tuple[str, datetime]:
        """An in_review submission received `days_ago` days before now, on a free mission."""
        received = self.now - timedelta(days=days_ago)
        submission_id, _photos = insert_submission(
            self.db,
            mission_id=self.free[campaign_id].pop(),
            worker_id=self.worker.id,
            brand_id=self.brand_of[campaign_id],
            captured_at=received,
            outcome=outcome,
        )
        return submission_id, received

    def decide(
        self, submission_id: str, status: str, at: datetime, appeal_id: str | None = None
    ) -> None:
        with self.db.transaction() as session:
            decisions.decide(
                db_session=session,
                submission_id=submission_id,
                verdict=decisions.Verdict(
                    status=status,
                    actor="admin" if appeal_id else "machine",
                    actor_id=self.admin.id if appeal_id else None,
                    reasons=["photo_unusable"] if status == "rejected" else [],
                    appeal_id=appeal_id,
                ),
                now=at,
            )

    def decided(
        self,
        campaign_id: str,
        days_ago: float,
        status: str,
        hours: float,
        outcome: str = "completed",
    ) -> str:
        """A submission first approved or rejected `hours` after it was received."""
        submission_id, received = self.submit(campaign_id, days_ago, outcome)
        self.decide(submission_id, status, received + timedelta(hours=hours))
        return submission_id

    def appeal(self, submission_id: str, status: str, at: datetime) -> None:
        """An appeal of a rejection, decided `status` at `at` (which decides the submission)."""
        with self.db.transaction() as session:
            appeal = Appeal(
                submission_id=submission_id,
                worker_id=self.worker.id,
                message="The shelf is in the photo.",
                status=status,
                created_at=at - timedelta(hours=1),
                decided_by=self.admin.id,
                decided_at=at,
            )
            session.add(appeal)
            session.flush()
            appeal_id = appeal.id
            # The worker appealed first: only an appealed submission is decided on appeal.
            states.move(session, submission_id=submission_id, froms=("rejected",), to="appealed")
        self.decide(submission_id, status, at, appeal_id=appeal_id)

    def payout(self, days_ago: float, paid_after_days: float | None) -> None:
        requested = self.now - timedelta(days=days_ago)
        with self.db.transaction() as session:
            entries = ledger_rules.payout_request(
                worker_id=self.worker.id, amount_minor=1500, currency="EUR"
            )
            transaction_id = ledger.post(
                db_session=session, kind="payout_request", entries=entries, now=requested
            )
            session.add(
                PayoutRequest(
                    worker_id=self.worker.id,
                    amount_minor=1500,
                    currency="EUR",
                    iban="NL91ABNA0417164300",
                    holder_name="Ana Worker",
                    status="pending" if paid_after_days is None else "paid",
                    transaction_id=transaction_id,
                    requested_at=requested,
                    paid_at=None
                    if paid_after_days is None
                    else requested + timedelta(days=paid_after_days),
                )
            )


def build_world(db: Any, make: Any) -> World:
    """Brand A: six decided submissions in the window (one rejection reversed on appeal, one
    upheld, one not appealed), one awaiting review, one approved 100 days ago. Brand B: one
    approved, one rejected. Payouts: two paid in the window, one paid long ago, one pending.
    Open missions left: quick 2 (at the floor), long 3 (one lifted by a bonus), other 1."""
    brand_a, brand_b = make(BrandFactory), make(BrandFactory)
    worker, admin = make(UserFactory), make(UserFactory, admin=True)
    w = Builder(db, worker, admin, datetime.now(UTC))
    quick = w.campaign(brand_a.id, reward=600, est_minutes=15, missions=8)
    long = w.campaign(brand_a.id, reward=900, est_minutes=45, missions=5)
    other = w.campaign(brand_b.id, reward=400, est_minutes=60, missions=3)

    w.decided(quick, 10, "approved", 1)
    w.decided(long, 9, "approved", 3)
    w.decided(long, 8, "approved", 5)
    reversed_ = w.decided(quick, 7, "rejected", 2)
    w.appeal(reversed_, "approved", w.now - timedelta(days=5))
    upheld = w.decided(quick, 6, "rejected", 4)
    w.appeal(upheld, "rejected", w.now - timedelta(days=4))
    w.decided(quick, 5, "rejected", 6)
    w.submit(quick, 1)  # awaiting review: not decided
    w.decided(quick, 100, "approved", 2)  # before the default window
    w.decided(other, 3, "approved", 0.5)
    w.decided(other, 2, "rejected", 8)

    w.payout(5, 2)
    w.payout(4, 4)
    w.payout(200, 1)
    w.payout(1, None)
    with db.transaction() as session:
        lifted = w.free[long][0]  # 900 + 300 for 45 + 15 minutes: 1200 per hour
        session.execute(update(Mission).where(Mission.id == lifted).values(bonus_minor=300))
    return World(w.now, brand_a, brand_b, worker, admin, quick, long, other, w)
