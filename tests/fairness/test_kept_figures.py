"""What each submission and payout request keeps for the fairness figures (its campaign,
first decision, credit; the payout's delay) is right after every write that changes it, and
migration 0026 builds it from the rows that were there before."""

from __future__ import annotations

from datetime import timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import select

from backend import migrate
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Mission
from backend.payouts.models import PayoutRequest
from backend.submissions.models import Decision, Submission
from tests.fairness import HOUR, build_world
from tests.support.photos import jpeg, shelf
from tests.support.submitting import BRUSSELS, honest_payload, submit, validate_now

KEPT = ("campaign_id", "decision_seconds", "credited_minor", "credited_currency")
REPORT = "/api/v1/admin/fairness"


def kept(db, submission_id):
    with db.transaction(write=False) as session:
        row = session.get_one(Submission, submission_id)
        return {name: getattr(row, name) for name in KEPT} | {"received_at": row.received_at}


def first_decision(db, submission_id):
    with db.transaction(write=False) as session:
        return session.scalar(
            select(Decision.created_at)
            .where(
                Decision.submission_id == submission_id,
                Decision.status.in_(("approved", "rejected")),
            )
            .order_by(Decision.created_at)
            .limit(1)
        )


def credit_entry(db, submission_id):
    with db.transaction(write=False) as session:
        return session.execute(
            select(LedgerEntry.amount_minor, LedgerEntry.currency)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerTransaction.submission_id == submission_id,
                LedgerTransaction.kind == "submission_credit",
                LedgerEntry.amount_minor > 0,
            )
        ).one()


def test_an_upload_approved_by_the_machine_keeps_its_campaign_decision_and_credit(
    app, client, db, claim
):
    claimed = claim()
    submission_id = submit(client, claimed, [jpeg(shelf(seed=90))]).json["submission_id"]
    received = kept(db, submission_id)
    with db.transaction(write=False) as session:
        campaign_id = session.get_one(Mission, claimed.mission_id).campaign_id
    assert received["campaign_id"] == campaign_id
    assert received["decision_seconds"] is None
    assert received["credited_minor"] is None

    validate_now(app, db, submission_id)

    after = kept(db, submission_id)
    decided = first_decision(db, submission_id)
    assert after["decision_seconds"] == (decided - after["received_at"]).total_seconds()
    assert (after["credited_minor"], after["credited_currency"]) == tuple(
        credit_entry(db, submission_id)
    )


def test_review_keeps_the_first_approval_or_rejection_not_the_review_nor_the_appeal(
    app, client, db, claim
):
    claimed = claim()
    far = honest_payload(latitude=BRUSSELS[0] + 0.027)  # to review: nothing decisive yet
    submission_id = submit(client, claimed, [jpeg(shelf(seed=91))], far).json["submission_id"]
    validate_now(app, db, submission_id)
    assert kept(db, submission_id)["decision_seconds"] is None


def test_the_world_keeps_exact_seconds_and_an_appeal_does_not_move_them(db, make):
    world = build_world(db, make)
    with db.transaction(write=False) as session:
        ids = session.scalars(select(Submission.id)).all()
    decided = 0
    for submission_id in ids:
        row = kept(db, submission_id)
        first = first_decision(db, submission_id)
        if first is None:
            assert row["decision_seconds"] is None
            continue
        decided += 1
        # Exactly the float Python computes from the two times, on either database.
        assert row["decision_seconds"] == (first - row["received_at"]).total_seconds()
    assert decided == 9
    # A decision at an odd microsecond, then one earlier (as a clock may go): the earlier one.
    submission_id, received = world.builder.submit(world.quick, days_ago=1)
    world.builder.decide(submission_id, "rejected", received + timedelta(seconds=7.654321))
    assert kept(db, submission_id)["decision_seconds"] == 7.654321
    world.builder.appeal(submission_id, "approved", received + timedelta(seconds=5 * HOUR))
    assert kept(db, submission_id)["decision_seconds"] == 7.654321


def figures_kept(db):
    """Each submission's kept figures, and the campaign of its mission."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Submission, Mission.campaign_id).join(
                Mission, Mission.id == Submission.mission_id
            )
        ).all()
        return {row.id: (tuple(getattr(row, n) for n in KEPT), campaign) for row, campaign in rows}


def test_migration_0026_builds_every_kept_figure_from_the_rows_before_it(
    app, client, db, make, auth_headers
):
    world = build_world(db, make)
    admin = auth_headers(world.admin)
    before = figures_kept(db)
    with db.transaction(write=False) as session:
        paid = session.execute(select(PayoutRequest.requested_at, PayoutRequest.paid_at)).all()
    report = client.get(REPORT, query_string={"days": 365}, headers=admin).json
    script = ScriptDirectory.from_config(migrate.alembic_config(""))
    revision = script.get_revision("0026")
    assert revision is not None
    assert isinstance(revision.down_revision, str)
    migrate.downgrade(db, revision.down_revision)
    migrate.upgrade(db)

    after = figures_kept(db)
    assert after.keys() == before.keys()
    for submission_id, ((campaign_id, *rest), mission_campaign) in after.items():
        # The factory wrote these without their campaign: the migration finds it.
        assert campaign_id == mission_campaign
        assert rest == list(before[submission_id][0][1:])
    # The world's payout requests were written paid, without their delay: built from them.
    with db.transaction(write=False) as session:
        delays = session.scalars(select(PayoutRequest.paid_after_seconds)).all()
    expected = [(p - r).total_seconds() if p else None for r, p in paid]
    assert sorted(delays, key=str) == sorted(expected, key=str)
    again = client.get(REPORT, query_string={"days": 365}, headers=admin).json
    assert again | {"window": None} == report | {"window": None}
