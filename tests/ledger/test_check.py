"""The ledger check: silent on a healthy ledger, naming each discrepancy of a broken one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, text, update

from backend.db import one_snapshot
from backend.kernel.ids import new_id
from backend.ledger import rules, service
from backend.missions.models import Mission
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.reconciliation.ledger import CHECKS, aside, prepare, run_checks, summary
from backend.submissions import decisions, states
from backend.submissions.models import Submission
from tests.support.factories import UserFactory
from tests.support.ledger import (
    NOW,
    REWARD,
    World,
    credit,
    found,
    make_world,
    problems,
    raw_transaction,
)
from tests.support.world import insert_submission


@pytest.fixture
def world(db, make) -> World:
    return make_world(db, make)


def healthy(world: World, second: Any) -> None:
    """Two workers paid twice; payouts pending, in an open batch and in a paid batch."""
    for worker in (world.worker, world.worker, second, second):
        world.approve(worker)
    world.request_payout(500)
    world.batch([world.request_payout(700)], paid=False)
    paid = [world.request_payout(300, second), world.request_payout(200, second)]
    world.batch(paid, paid=True)


def test_an_empty_ledger_is_healthy(db):
    assert problems(db) == []


def test_a_healthy_ledger_has_no_discrepancies(db, make, world):
    healthy(world, make(UserFactory))
    assert problems(db) == []
    with db.transaction(write=False) as session:
        counts = summary(db_session=session)
    # Funding, four credits, four payout requests, one settlement.
    assert counts["transactions"] == 10
    assert counts["entries"] == 20
    assert counts["approved submissions"] == 4
    assert counts["payout requests"] == 4
    assert counts["payout batches"] == 2
    # The bank, the campaign, two workers, transit.
    assert counts["accounts"] == 5


def test_the_check_runs_a_fixed_number_of_queries(db, make):
    def statements(approvals: int) -> int:
        world = make_world(db, make, missions=approvals)
        for _ in range(approvals):
            world.approve()
        world.request_payout(REWARD)
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert problems(db) == []
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    assert statements(1) == statements(6)


def test_an_unbalanced_transaction_is_named(db, world):
    bad = raw_transaction(db, "adjustment", [("platform", -100), ("worker:x", 90)])
    found(db, f"transaction {bad} does not balance: its EUR entries sum to -10")


def test_each_currency_of_a_transaction_balances_on_its_own(db, world):
    fine = raw_transaction(
        db,
        "adjustment",
        [("platform", -100), ("bank", 100), ("platform", -5, "USD"), ("bank", 5, "USD")],
    )
    bad = raw_transaction(db, "adjustment", [("platform", -100), ("bank", 100, "USD")])
    listed = found(
        db,
        f"transaction {bad} does not balance: its EUR entries sum to -100",
        f"transaction {bad} does not balance: its USD entries sum to 100",
    )
    assert not [p for p in listed if fine in p]


def test_a_transaction_of_one_entry_is_named(db, world):
    lonely = raw_transaction(db, "adjustment", [("platform", 100)])
    empty = raw_transaction(db, "adjustment", [])
    found(db, f"transaction {lonely} (adjustment) has 1 entries", f"transaction {empty}")


def test_an_entry_of_a_missing_transaction_is_named(db, world):
    """Past the foreign key (off on this connection alone): the check still names it, beside
    a healthy ledger whose every transaction has its entries."""
    world.approve()
    gone, entry = new_id(), new_id()
    values = (entry, gone, "platform", -100, "EUR", NOW)
    sql = (
        "INSERT INTO ledger_entries (id, transaction_id, account, amount_minor, currency, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)"
    )
    if db.is_sqlite:
        raw = db.engine.raw_connection()
        try:
            raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or it is ignored
            raw.execute(sql, values)
            raw.commit()
            raw.execute("PRAGMA foreign_keys=ON")
        finally:
            raw.close()
    else:
        with db.transaction() as session:
            # A replica applies rows as given: neither foreign keys nor the append-only
            # triggers fire (this transaction only).
            session.execute(text("SET LOCAL session_replication_role = replica"))
            session.connection().exec_driver_sql(sql.replace("?", "%s"), values)
    listed = found(db, f"entry {entry} belongs to no transaction")
    assert [p for p in listed if entry in p] == [f"entry {entry} belongs to no transaction"]


def test_an_approved_submission_never_credited_is_named(db, world):
    submission_id = world.submit(status="approved")
    found(db, f"submission {submission_id} is approved but was never credited")


def test_a_credit_on_a_submission_not_approved_is_named(db, world):
    submission_id = world.submit(status="in_review")
    entries = rules.approval(
        campaign_id=world.campaign_id,
        worker_id=world.worker.id,
        reward_minor=REWARD,
        currency="EUR",
    )
    credit(db, submission_id, entries)
    found(db, f"pays submission {submission_id}, which is in_review")


def test_credits_that_name_no_submission_are_counted(db, world):
    """Read from the credits' partial index on submission_id: its nulls are in it too."""
    world.approve()
    campaign, worker = rules.campaign_account(world.campaign_id), rules.worker_account("x")
    for _ in range(2):
        raw_transaction(db, "submission_credit", [(campaign, -REWARD), (worker, REWARD)])
    found(db, "2 credits name no submission")


@pytest.mark.parametrize(
    ("amount", "account_of"),
    [(REWARD - 100, "right"), (REWARD, "someone else")],
    ids=["wrong amount", "wrong worker"],
)
def test_a_credit_that_is_not_the_reward_is_named(db, world, amount, account_of):
    submission_id = world.submit(status="approved")
    worker_id = world.worker.id if account_of == "right" else "stranger"
    entries = rules.approval(
        campaign_id=world.campaign_id, worker_id=worker_id, reward_minor=amount, currency="EUR"
    )
    credit(db, submission_id, entries)
    found(db, f"submission {submission_id}: should have a submission_credit transaction of 600 EUR")


@pytest.mark.parametrize(
    "wrong",
    ["currency", "source", "two sources", "extra pair", "split", "reversed"],
)
def test_a_credit_that_moves_the_reward_otherwise_is_named(db, world, wrong):
    # Each passes a look at the amounts alone: the exact comparison must still see it.
    submission_id = world.submit(status="approved")
    campaign, worker = (
        rules.campaign_account(world.campaign_id),
        rules.worker_account(world.worker.id),
    )
    entries = {
        "currency": [rules.Entry(campaign, -REWARD, "USD"), rules.Entry(worker, REWARD, "USD")],
        "source": [rules.Entry("bank", -REWARD, "EUR"), rules.Entry(worker, REWARD, "EUR")],
        "two sources": [
            rules.Entry(campaign, -REWARD // 2, "EUR"),
            rules.Entry("platform", -REWARD // 2, "EUR"),
            rules.Entry(worker, REWARD, "EUR"),
        ],
        "extra pair": [
            rules.Entry(campaign, -REWARD, "EUR"),
            rules.Entry(worker, REWARD, "EUR"),
            rules.Entry("platform", -1, "EUR"),
            rules.Entry("bank", 1, "EUR"),
        ],
        "split": [
            rules.Entry(campaign, -REWARD, "EUR"),
            rules.Entry(worker, REWARD - 1, "EUR"),
            rules.Entry(worker, 1, "EUR"),
        ],
        "reversed": [rules.Entry(campaign, REWARD, "EUR"), rules.Entry(worker, -REWARD, "EUR")],
    }[wrong]
    credit(db, submission_id, entries)
    found(db, f"submission {submission_id}: should have a submission_credit transaction of 600 EUR")


def test_a_credit_in_two_currencies_is_named_beside_its_imbalance(db, world):
    # Two entries of opposite amounts, one in the mission's currency: PostgreSQL's first
    # look reads a credit's lowest and highest currency, and both must be the mission's.
    submission_id = world.submit(status="approved")
    campaign, worker = (
        rules.campaign_account(world.campaign_id),
        rules.worker_account(world.worker.id),
    )
    transaction_id = raw_transaction(
        db,
        "submission_credit",
        [(campaign, -REWARD, "EUR"), (worker, REWARD, "USD")],
        submission_id=submission_id,
    )
    found(db, f"transaction {transaction_id} does not balance")
    found(db, f"submission {submission_id}: should have a submission_credit transaction of 600 EUR")


def test_a_missions_bonus_is_paid_with_its_reward(db, world):
    with db.transaction() as session:
        session.execute(
            update(Mission).where(Mission.id == world.missions[0]).values(bonus_minor=50)
        )
    world.approve()
    with db.transaction(write=False) as session:
        paid = service.balance(
            db_session=session, account=rules.worker_account(world.worker.id), currency="EUR"
        )
    assert paid == REWARD + 50
    assert problems(db) == []


def test_a_closed_store_is_credited_its_show_up_pay_not_the_reward(db, world):
    paid = world.submit(outcome="store_closed")
    with db.transaction() as session:
        decisions.decide(
            db_session=session,
            submission_id=paid,
            verdict=decisions.Verdict(status="approved", actor="machine"),
            now=NOW,
        )
        # No figure on the mission (published before show-up pay): the one paid is kept.
        assert session.get_one(Mission, world.missions[0]).show_up_minor == REWARD // 2
    assert problems(db) == []
    overpaid = world.submit(status="approved", outcome="store_closed")
    with db.transaction() as session:
        session.execute(
            update(Mission).where(Mission.id == world.missions[1]).values(show_up_minor=200)
        )
        entries = rules.approval(
            campaign_id=world.campaign_id,
            worker_id=world.worker.id,
            reward_minor=REWARD,
            currency="EUR",
        )
        service.post(
            db_session=session,
            kind="submission_credit",
            entries=entries,
            now=NOW,
            submission_id=overpaid,
        )
    listed = found(
        db, f"submission {overpaid}: should have a submission_credit transaction of 200 EUR"
    )
    assert all(overpaid in problem for problem in listed), listed


def test_an_overdrawn_worker_is_named(db, world):
    world.approve()
    world.request_payout(REWARD + 1)
    found(db, f"account worker:{world.worker.id} is overdrawn: -1 EUR")


def test_bank_and_platform_may_go_below_zero(db, world):
    entries = [rules.Entry("platform", -50, "EUR"), rules.Entry("bank", 50, "EUR")]
    with db.transaction() as session:
        service.post(db_session=session, kind="fee", entries=entries, now=NOW)
    assert problems(db) == []


def test_in_transit_that_does_not_match_the_requests_is_named(db, world):
    world.approve()
    request_id = world.request_payout(400)
    with db.transaction() as session:
        session.execute(
            update(PayoutRequest).where(PayoutRequest.id == request_id).values(status="paid")
        )
    found(
        db,
        "payouts_in_transit holds 400 EUR but unpaid requests add up to 0 EUR",
        f"payout request {request_id} is paid, its batch says pending",
    )


def test_a_request_whose_transaction_moved_another_amount_is_named(db, world):
    world.approve()
    request_id = world.request_payout(REWARD)
    with db.transaction() as session:
        session.execute(
            update(PayoutRequest).where(PayoutRequest.id == request_id).values(amount_minor=900)
        )
    found(
        db,
        f"payout request {request_id}: should have a payout_request transaction of 900 EUR",
        f"worker {world.worker.id} asked for 900 EUR in payouts but was credited only 600 EUR",
    )


def test_a_payout_transaction_without_a_request_is_named(db, world):
    world.approve()
    entries = rules.payout_request(worker_id=world.worker.id, amount_minor=100, currency="EUR")
    with db.transaction() as session:
        stray = service.post(db_session=session, kind="payout_request", entries=entries, now=NOW)
    found(db, f"payout_request transaction {stray} belongs to no payout_requests row")


def test_a_batch_whose_total_is_wrong_is_named(db, world):
    world.approve()
    batch_id = world.batch([world.request_payout(250)], paid=False)
    with db.transaction() as session:
        session.execute(update(PayoutBatch).where(PayoutBatch.id == batch_id).values(count=2))
    found(db, f"batch {batch_id} says 250 in 2 requests; its requests add up to 250 in 1")


def test_a_paid_batch_never_settled_is_named(db, world):
    world.approve()
    batch_id = world.batch([world.request_payout(250)], paid=False)
    with db.transaction() as session:
        session.execute(update(PayoutBatch).where(PayoutBatch.id == batch_id).values(status="paid"))
    found(
        db,
        f"paid batch {batch_id}: should have a payout_settled transaction of 250 EUR from "
        "payouts_in_transit to bank; it has none",
    )


def test_an_open_batch_with_a_settlement_is_named(db, world):
    world.approve()
    batch_id = world.batch([world.request_payout(250)], paid=True)
    with db.transaction() as session:
        session.execute(update(PayoutBatch).where(PayoutBatch.id == batch_id).values(status="open"))
    found(db, f"batch {batch_id} is open but has a settlement")


def decide(world: World, submission_id: str, status: str) -> None:
    """An admin's decision on a submission, through the service that reopens and pays."""
    with world.db.transaction() as session:
        decisions.decide(
            db_session=session,
            submission_id=submission_id,
            verdict=decisions.Verdict(
                status=status,
                actor="admin",
                actor_id=world.admin.id,
                reasons=["blurry_photo"] if status == "rejected" else [],
            ),
            now=NOW,
        )


def credit_reward(db: Any, world: World, submission_id: str, worker: Any, **kw: Any) -> None:
    """Post a credit of the reward for a submission, as the approval would (or wrongly)."""
    entries = rules.approval(
        campaign_id=world.campaign_id,
        worker_id=worker.id,
        reward_minor=kw.pop("reward_minor", REWARD),
        currency="EUR",
        **kw,
    )
    credit(db, submission_id, entries)


def second_visit(world: World, worker: Any, status: str = "approved") -> str:
    """Another worker's submission for the mission of the world's first one."""
    submission_id, _photos = insert_submission(
        world.db,
        mission_id=world.missions[0],
        worker_id=worker.id,
        brand_id=world.brand_id,
        status=status,
        captured_at=NOW,
    )
    return submission_id


def test_the_platform_pays_only_a_repeat_approval_after_a_rejection(db, make, world):
    world.approve()
    other = make(UserFactory)
    repeat = second_visit(world, other)
    # Nobody was rejected: the platform had no second look to pay for.
    credit_reward(db, world, repeat, other, repeat=True)
    found(db, f"pays submission {repeat} from the platform, but its mission was not paid for")


def test_a_rejection_on_another_mission_does_not_make_a_repeat(db, make, world):
    world.approve()
    elsewhere = world.submit()  # the next mission's: its rejection is no reason to pay twice
    decide(world, elsewhere, "rejected")
    other = make(UserFactory)
    repeat = second_visit(world, other)
    credit_reward(db, world, repeat, other, repeat=True)
    found(db, f"pays submission {repeat} from the platform, but its mission was not paid for")


def test_a_campaign_pays_for_one_completed_visit_per_store(db, make, world):
    world.approve()
    other = make(UserFactory)
    twice = second_visit(world, other)
    credit_reward(db, world, twice, other)
    found(db, f"mission {world.missions[0]}: its campaign paid 2 completed visits, not one")


def test_a_repeat_approval_is_the_platforms_and_the_check_knows_it(db, make, world):
    rejected = world.submit()
    decide(world, rejected, "rejected")
    other = make(UserFactory)
    redone = second_visit(world, other, status="in_review")
    decide(world, redone, "approved")  # the redo first, then the appeal granted
    with db.transaction() as session:
        states.move(session, submission_id=rejected, froms=("rejected",), to="appealed")
    decide(world, rejected, "approved")
    with db.transaction(write=False) as session:
        assert service.balance(db_session=session, account="platform", currency="EUR") == -REWARD
        campaign = rules.campaign_account(world.campaign_id)
        funded = REWARD * len(world.missions)
        assert service.balance(db_session=session, account=campaign, currency="EUR") == (
            funded - REWARD
        )
    assert problems(db) == []


def test_a_credit_keeps_the_figures_in_force_when_it_was_approved(db, world):
    """A raise (funded after the credit) lifts the mission's figures: the credit at the old
    reward still holds. One above today's figures was never in force, raise or not."""
    kept = world.approve()
    overpaid = world.submit(status="approved")
    credit_reward(db, world, overpaid, world.worker, reward_minor=REWARD + 300)
    found(db, f"submission {overpaid}: should have a submission_credit transaction of 600 EUR")
    with db.transaction() as session:
        mission = session.scalar(select(Submission.mission_id).where(Submission.id == kept))
        session.execute(
            update(Mission).where(Mission.id == mission).values(reward_amount_minor=REWARD + 200)
        )
        service.fund_campaign(
            db_session=session,
            campaign_id=world.campaign_id,
            amount_minor=200,
            currency="EUR",
            now=NOW + timedelta(minutes=1),
            memo="reward raised to 8.00 EUR",
        )
    listed = problems(db)
    assert all(overpaid in problem for problem in listed), listed
    assert len(listed) == 1, listed


def in_one_snapshot(db: Any) -> dict[str, list[str]]:
    """Each invariant's findings as `fairfield ledger check` and the stored runs get them:
    in one snapshot, where on PostgreSQL the longest checks run beside the rest."""
    with db.transaction(write=False) as session:
        one_snapshot(session)
        return dict(run_checks(db_session=session))


def test_the_checks_run_beside_the_rest_find_their_discrepancies_in_their_turn(db, make, world):
    world.approve()
    short = world.submit(status="approved")
    credit_reward(db, world, short, world.worker, reward_minor=REWARD - 100)
    other = make(UserFactory)
    credit_reward(db, world, second_visit(world, other), other)
    request_id = world.request_payout(REWARD)
    with db.transaction() as session:
        session.execute(
            update(PayoutRequest).where(PayoutRequest.id == request_id).values(amount_minor=500)
        )
    by_check = in_one_snapshot(db)
    assert [name for name, _check in CHECKS] == list(by_check)
    assert [p for p in by_check["credits pay the mission reward"] if short in p]
    assert by_check["a campaign pays each store once"] == [
        f"mission {world.missions[0]}: its campaign paid 2 completed visits, not one"
    ]
    assert [p for p in by_check["payout requests posted"] if request_id in p]


def test_the_checks_run_beside_the_rest_read_the_same_snapshot(db, make, world, monkeypatch):
    """A wrong credit, a second visit paid by the campaign and a payout request of another
    amount, all committed once the check's snapshot is taken: no check sees them, the ones
    run on connections of their own (PostgreSQL) no more than the rest, though they begin
    only after those commits (held back here)."""
    held: list[Any] = []
    monkeypatch.setattr(aside, "_begin", held.append)
    world.approve()
    with db.transaction(write=False) as session:
        one_snapshot(session)
        prepare(session)
        summary(db_session=session)  # SQLite's read snapshot starts at a first read
        short = world.submit(status="approved")
        credit_reward(db, world, short, world.worker, reward_minor=REWARD - 100)
        other = make(UserFactory)
        credit_reward(db, world, second_visit(world, other), other)
        request_id = world.request_payout(REWARD)
        with db.transaction() as writer:
            writer.execute(
                update(PayoutRequest).where(PayoutRequest.id == request_id).values(amount_minor=1)
            )
        for run in held:
            run()
        by_check = {name: check(session) for name, check in CHECKS}
    assert by_check == {name: [] for name, _check in CHECKS}
    assert len(held) == (0 if db.is_sqlite else 2)
    assert problems(db)  # the same checks, in a snapshot of now, see them
