"""Money under any order of events: a hypothesis state machine drives claims, submissions,
validation, reviews, appeals, the review deadline, payout requests, batches and settlement,
and after every step checks that the ledger still holds."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import func, select, update

from backend.kernel.clock import utcnow
from backend.ledger import rules as money
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.reconciliation.ledger import check_ledger
from backend.review.models import Appeal
from backend.submissions.models import Submission
from tests.support.factories import BrandFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import BRUSSELS, SKUS, submit, validate_now
from tests.support.tables import empty_tables
from tests.support.world import build
from workers.review import approve_overdue

REWARD = 1000  # one approval reaches the payout minimum: payouts come early in a run
MISSIONS = 10
IBAN = "DE89370400440532013000"
REASONS = ("blurry_photo", "wrong_store", "missing_products", "incomplete_answers")


def machine(app, client, db, make, auth_headers):
    """The state machine class, bound to this test's app and database."""

    class Money(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each run starts from empty tables, so a run replays exactly as hypothesis
            # drew it (the same photos are new again, not reuse of a previous run's).
            make.session.close()
            empty_tables(db)
            self.seeds = itertools.count(20_000)
            brand = make(BrandFactory)
            campaign_id, self.open_missions = build(
                db, brand.id, [BRUSSELS] * MISSIONS, skus=SKUS, review_required=True, reward=REWARD
            )
            with db.transaction() as session:
                ledger.fund_campaign(
                    db_session=session,
                    campaign_id=campaign_id,
                    amount_minor=REWARD * MISSIONS,
                    currency="EUR",
                    now=utcnow(),
                )
            self.workers = [make(UserFactory) for _ in range(2)]
            self.worker_headers = [auth_headers(w) for w in self.workers]
            self.rejecter, self.second = (
                auth_headers(make(UserFactory, role="admin")) for _ in "ab"
            )
            self.campaign_id = campaign_id
            self.assignments: list[tuple[int, object]] = []  # (worker index, Claimed-like)
            self.submissions: dict[str, int] = {}  # id -> worker index
            self.mission_of: dict[str, str] = {}  # submission id -> mission id
            # A rejection reopens the mission for everyone but the workers it rejected.
            self.rejected_from: dict[str, set[int]] = {}  # mission id -> worker indexes
            self.requested = [0, 0]  # what each worker asked to be paid out
            self.batches: dict[str, str] = {}  # id -> open | paid

        # -- helpers -----------------------------------------------------------------
        def status_of(self, wanted: str) -> list[str]:
            if not self.submissions:
                return []
            with db.transaction(write=False) as session:
                found = set(
                    session.scalars(
                        select(Submission.id).where(
                            Submission.id.in_(self.submissions), Submission.status == wanted
                        )
                    )
                )
            # In the order they were made: ids are random, so a replay sorting them would draw
            # another submission for the same choice, and hypothesis would call the run flaky.
            return [s for s in self.submissions if s in found]

        def balance(self, index: int) -> int:
            with db.transaction(write=False) as session:
                return ledger.balance(
                    db_session=session,
                    account=money.worker_account(self.workers[index].id),
                    currency="EUR",
                )

        def decide(self, submission_id: str, body: dict[str, str]) -> None:
            response = client.post(
                f"/api/v1/submissions/{submission_id}/decision", json=body, headers=self.rejecter
            )
            assert response.status_code == 200, response.json

        # -- rules -------------------------------------------------------------------
        @precondition(lambda self: self.open_missions)
        @rule(worker=st.integers(0, 1))
        def claim(self, worker: int) -> None:
            from tests.support.submitting import Claimed

            mission_id = self.open_missions.pop()
            headers = self.worker_headers[worker]
            response = client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)
            if worker in self.rejected_from.get(mission_id, ()):
                assert response.status_code == 409, response.json
                assert response.json["code"] in ("mission_unavailable", "claim_limit_reached")
                self.open_missions.insert(0, mission_id)  # another worker may take it
                return
            if response.status_code == 409:
                assert response.json["code"] == "claim_limit_reached"
                self.open_missions.append(mission_id)
                return
            assert response.status_code == 201, response.json
            claimed = Claimed(
                response.json["assignment_id"], mission_id, self.workers[worker], headers, "", None
            )
            self.assignments.append((worker, claimed))

        @precondition(lambda self: self.assignments)
        @rule(data=st.data())
        def submit_and_validate(self, data: st.DataObject) -> None:
            worker, claimed = self.assignments.pop(
                data.draw(st.integers(0, len(self.assignments) - 1))
            )
            response = submit(client, claimed, [jpeg(shelf(seed=next(self.seeds)))])
            assert response.status_code == 202, response.json
            submission_id = response.json["submission_id"]
            self.submissions[submission_id] = worker
            self.mission_of[submission_id] = claimed.mission_id
            validate_now(app, db, submission_id)

        @precondition(lambda self: self.status_of("in_review"))
        @rule(data=st.data())
        def approve(self, data: st.DataObject) -> None:
            waiting = self.status_of("in_review")
            self.decide(data.draw(st.sampled_from(waiting)), {"decision": "approve"})

        @precondition(lambda self: self.status_of("in_review"))
        @rule(data=st.data(), reason=st.sampled_from(REASONS))
        def reject(self, data: st.DataObject, reason: str) -> None:
            waiting = self.status_of("in_review")
            body = {"decision": "reject", "reason_code": reason, "comment": "Seen by a person."}
            submission_id = data.draw(st.sampled_from(waiting))
            self.decide(submission_id, body)
            mission_id = self.mission_of[submission_id]
            self.rejected_from.setdefault(mission_id, set()).add(self.submissions[submission_id])
            self.open_missions.append(mission_id)  # reopened at once

        @precondition(lambda self: self.status_of("rejected"))
        @rule(data=st.data())
        def appeal(self, data: st.DataObject) -> None:
            submission_id = data.draw(st.sampled_from(self.status_of("rejected")))
            headers = self.worker_headers[self.submissions[submission_id]]
            response = client.post(
                f"/api/v1/submissions/{submission_id}/appeal",
                json={"message": "It is all in the second photo."},
                headers=headers,
            )
            # A rejection upheld on appeal cannot be appealed twice.
            assert response.status_code in (201, 409), response.json

        def open_appeals(self) -> list[str]:
            if not self.submissions:
                return []
            with db.transaction(write=False) as session:
                by_submission = dict(
                    session.execute(
                        select(Appeal.submission_id, Appeal.id).where(
                            Appeal.status == "open", Appeal.submission_id.in_(self.submissions)
                        )
                    ).all()
                )
            return [by_submission[s] for s in self.submissions if s in by_submission]

        @precondition(lambda self: self.open_appeals())
        @rule(data=st.data(), grant=st.booleans())
        def decide_appeal(self, data: st.DataObject, grant: bool) -> None:
            open_appeals = self.open_appeals()
            body = (
                {"decision": "approve"}
                if grant
                else {"decision": "reject", "reason_code": "other", "comment": "Still unclear."}
            )
            response = client.post(
                f"/api/v1/appeals/{data.draw(st.sampled_from(open_appeals))}/decision",
                json=body,
                headers=self.second,
            )
            assert response.status_code == 200, response.json

        @precondition(lambda self: self.status_of("in_review") or self.open_appeals())
        @rule()
        def review_deadline_passes(self) -> None:
            """Everything waiting on a person is now two days late; beat's task runs."""
            two_days = timedelta(hours=49)
            with db.transaction() as session:
                waiting = session.execute(
                    select(Submission.id, Submission.decided_at).where(
                        Submission.id.in_(self.submissions), Submission.status == "in_review"
                    )
                ).all()
                for submission_id, decided_at in waiting:
                    session.execute(
                        update(Submission)
                        .where(Submission.id == submission_id)
                        .values(decided_at=decided_at - two_days)
                    )
                appeals = session.execute(
                    select(Appeal.id, Appeal.created_at).where(
                        Appeal.status == "open", Appeal.submission_id.in_(self.submissions)
                    )
                ).all()
                for appeal_id, created_at in appeals:
                    session.execute(
                        update(Appeal)
                        .where(Appeal.id == appeal_id)
                        .values(created_at=created_at - two_days)
                    )
            with app.app_context():
                approve_overdue.apply(throw=True)
            assert self.status_of("in_review") == []

        @rule(worker=st.integers(0, 1))
        def request_payout(self, worker: int) -> None:
            before = self.balance(worker)
            response = client.post(
                "/api/v1/me/payout-requests",
                json={"iban": IBAN, "holder_name": f"Worker {worker}"},
                headers=self.worker_headers[worker],
            )
            if before >= 1000:
                assert response.status_code == 201, response.json
                assert response.json["amount"] == {"amount_minor": before, "currency": "EUR"}
                self.requested[worker] += before
                assert self.balance(worker) == 0
            else:
                assert response.status_code == 422, response.json
                assert response.json["code"] == "balance_below_minimum"
                assert self.balance(worker) == before

        @rule()
        def batch(self) -> None:
            response = client.post("/api/v1/payout-batches", headers=self.second)
            if response.status_code == 409:
                assert response.json["code"] == "nothing_to_pay"
                return
            assert response.status_code == 201, response.json
            self.batches[response.json["id"]] = "open"

        @precondition(lambda self: self.batches)
        @rule(data=st.data())
        def mark_paid(self, data: st.DataObject) -> None:
            batch_id = data.draw(st.sampled_from(list(self.batches)))
            response = client.post(
                f"/api/v1/payout-batches/{batch_id}/mark-paid", headers=self.second
            )
            if self.batches[batch_id] == "paid":
                assert response.status_code == 409, response.json
            else:
                assert response.status_code == 200, response.json
                self.batches[batch_id] = "paid"

        # -- invariants --------------------------------------------------------------
        @invariant()
        def the_ledger_holds(self) -> None:
            with db.transaction(write=False) as session:
                assert check_ledger(db_session=session) == []
                off = session.execute(
                    select(LedgerEntry.transaction_id)
                    .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
                    .having(func.sum(LedgerEntry.amount_minor) != 0)
                ).all()
                assert off == []  # each transaction sums to zero
                approved = self.status_of("approved")
                credited = session.scalars(
                    select(LedgerTransaction.submission_id).where(
                        LedgerTransaction.kind == "submission_credit",
                        LedgerTransaction.submission_id.in_(self.submissions),
                    )
                ).all()
                assert sorted(credited) == sorted(approved)  # one credit per approval, no more
                campaign, platform = (
                    ledger.balance(db_session=session, account=account, currency="EUR")
                    for account in (money.campaign_account(self.campaign_id), money.PLATFORM)
                )
            # The brand pays for each store once; a second approval of a mission (an appeal
            # granted after it was redone) is the platform's.
            stores_paid = len({self.mission_of[s] for s in approved})
            assert campaign == REWARD * (MISSIONS - stores_paid)
            assert platform == -REWARD * (len(approved) - stores_paid)
            for index in (0, 1):
                earned = REWARD * sum(1 for s in approved if self.submissions[s] == index)
                assert self.balance(index) == earned - self.requested[index] >= 0
                assert self.requested[index] <= earned  # payouts never exceed credits

    return Money


def test_money_holds_under_any_order_of_events(app, client, db, make, auth_headers):
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        machine(app, client, db, make, auth_headers),
        settings=settings(
            max_examples=12,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            derandomize=False,
        ),
    )
