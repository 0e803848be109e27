"""A small, healthy ledger world for the ledger check tests, and ways to spoil it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from backend.kernel.ids import new_id
from backend.ledger import rules, service
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.reconciliation.ledger import check_ledger
from backend.submissions import decisions
from backend.submissions.models import Submission
from tests.support.factories import BrandFactory, UserFactory
from tests.support.world import build, insert_submission

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
REWARD = 600
BRUSSELS = (50.8467, 4.3525)


def credit(db: Any, submission_id: str, entries: list[rules.Entry]) -> None:
    """A submission credit posted as given, right or wrong, as the check must judge it."""
    with db.transaction() as session:
        service.post(
            db_session=session,
            kind="submission_credit",
            entries=entries,
            now=NOW,
            submission_id=submission_id,
        )


@dataclass
class World:
    """A funded campaign with missions, a worker, an admin; submissions made on demand."""

    db: Any
    brand_id: str
    campaign_id: str
    missions: list[str]
    worker: Any
    admin: Any
    submissions: list[str] = field(default_factory=list)

    def submit(
        self, worker: Any = None, status: str = "in_review", outcome: str = "completed"
    ) -> str:
        """A submission for the next free mission, in `status`, with no decision or credit."""
        mission_id = self.missions[len(self.submissions)]
        worker_id = (worker or self.worker).id
        submission_id, _photos = insert_submission(
            self.db,
            mission_id=mission_id,
            worker_id=worker_id,
            brand_id=self.brand_id,
            status=status,
            outcome=outcome,
            captured_at=NOW,
        )
        self.submissions.append(submission_id)
        return submission_id

    def approve(self, worker: Any = None, at: datetime = NOW) -> str:
        """A submission approved the way the pipeline does it: decision, then credit."""
        submission_id = self.submit(worker)
        with self.db.transaction() as session:
            decisions.decide(
                db_session=session,
                submission_id=submission_id,
                verdict=decisions.Verdict(status="approved", actor="machine"),
                now=at,
            )
        return submission_id

    def request_payout(self, amount: int, worker: Any = None, status: str = "pending") -> str:
        """A payout request and its worker-to-transit transaction, as the payout service posts."""
        worker_id = (worker or self.worker).id
        with self.db.transaction() as session:
            entries = rules.payout_request(worker_id=worker_id, amount_minor=amount, currency="EUR")
            transaction_id = service.post(
                db_session=session, kind="payout_request", entries=entries, now=NOW
            )
            request = PayoutRequest(
                worker_id=worker_id,
                amount_minor=amount,
                currency="EUR",
                iban="NL91ABNA0417164300",
                holder_name="Ana",
                status=status,
                transaction_id=transaction_id,
                requested_at=NOW,
            )
            session.add(request)
            session.flush()
            return request.id

    def batch(self, request_ids: list[str], *, paid: bool) -> str:
        """A batch of these requests; paid ones are settled transit-to-bank in the ledger."""
        with self.db.transaction() as session:
            requests = [session.get_one(PayoutRequest, r) for r in request_ids]
            total = sum(r.amount_minor for r in requests)
            batch = PayoutBatch(
                currency="EUR",
                total_minor=total,
                count=len(requests),
                message_id=new_id()[:35],
                created_by=self.admin.id,
                status="paid" if paid else "open",
            )
            if paid:
                entries = rules.payout_settled(amount_minor=total, currency="EUR")
                batch.settlement_id = service.post(
                    db_session=session, kind="payout_settled", entries=entries, now=NOW
                )
            session.add(batch)
            session.flush()
            for r in requests:
                r.batch_id, r.status = batch.id, "paid" if paid else "batched"
            return batch.id


def make_world(db: Any, make: Any, missions: int = 6) -> World:
    """A funded campaign of `missions` missions, ready for submissions."""
    brand = make(BrandFactory)
    campaign_id, mission_ids = build(db, brand.id, [BRUSSELS] * missions, status="submitted")
    with db.transaction() as session:
        service.fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=REWARD * missions,
            currency="EUR",
            now=NOW,
        )
    worker, admin = make(UserFactory), make(UserFactory, admin=True)
    return World(db, brand.id, campaign_id, mission_ids, worker, admin)


def raw_transaction(
    db: Any, kind: str, entries: Sequence[tuple[str, int] | tuple[str, int, str]], **columns: Any
) -> str:
    """Write a transaction straight into the tables, past post()'s balance check; entries
    are (account, amount) in EUR or (account, amount, currency)."""
    transaction_id = new_id()
    with db.transaction() as session:
        session.execute(
            insert(LedgerTransaction),
            {"id": transaction_id, "kind": kind, "created_at": NOW, **columns},
        )
        for account, amount, *currency in entries:
            session.execute(
                insert(LedgerEntry),
                {
                    "id": new_id(),
                    "transaction_id": transaction_id,
                    "account": account,
                    "amount_minor": amount,
                    "currency": currency[0] if currency else "EUR",
                    "created_at": NOW,
                },
            )
    return transaction_id


def assert_credited_once(session: Any, ids: list[str] | None = None) -> set[str]:
    """Each approved submission (of `ids`, or every one) has exactly one credit, and nothing
    else has any; returns the approved ones."""
    approved = select(Submission.id).where(Submission.status == "approved")
    if ids is not None:
        approved = approved.where(Submission.id.in_(ids))
    found = set(session.scalars(approved))
    credits = session.execute(
        select(LedgerTransaction.submission_id, func.count())
        .where(LedgerTransaction.kind == "submission_credit")
        .group_by(LedgerTransaction.submission_id)
    ).all()
    assert dict(credits) == dict.fromkeys(found, 1)
    return found


def problems(db: Any) -> list[str]:
    with db.transaction(write=False) as session:
        return check_ledger(db_session=session)


def found(db: Any, *fragments: str) -> list[str]:
    """The discrepancies, after asserting each fragment appears in one of them."""
    listed = problems(db)
    for fragment in fragments:
        assert any(fragment in p for p in listed), (fragment, listed)
    return listed
