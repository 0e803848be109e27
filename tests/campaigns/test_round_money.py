"""Recurring campaigns' money: a reserve is spent once (a round's close leaves a mission
whose rejection may still be appealed), the brand's balance is read under its row's lock,
and the last round's reserve goes back when the campaign ends or is cancelled, once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from backend.accounts.models import User
from backend.campaigns import rounds as round_service
from backend.kernel.money import Money
from backend.ledger import rules as ledger_rules
from backend.ledger import service as ledger
from backend.review import appeals
from backend.review.models import Appeal
from tests.support.campaigns import decide, euros, evidence
from tests.support.factories import UserFactory
from tests.support.ledger import problems
from tests.support.rounds import API, DAY, brand, claim, missions, sweep, top_up, weekly

__all__ = ["brand"]  # the fixture, used by name


def at(campaign: dict[str, Any], days: float) -> datetime:
    return datetime.fromisoformat(campaign["published_at"]) + days * DAY


def brand_balance(client, headers) -> dict[str, Any]:
    return dict(client.get(f"{API}/organisation/balance", headers=headers).json["balance"])


def held(db, campaign_id: str) -> int:
    """What the campaign's ledger account holds."""
    with db.transaction(write=False) as session:
        return ledger.balance(
            db_session=session, account=ledger_rules.campaign_account(campaign_id), currency="EUR"
        )


def reject(db, make, brand, mission_id: str, when: datetime) -> tuple[str, str]:
    """A worker's submission for the mission, rejected at `when`: (submission, worker)."""
    worker = make(UserFactory)
    submission_id, _ = evidence(
        db, mission_id=mission_id, worker_id=worker.id, brand_id=brand[0].brand_id
    )
    decide(db, submission_id, "rejected", now=when)
    return submission_id, worker.id


def appeal(db, submission_id: str, worker_id: str, when: datetime) -> None:
    with db.transaction() as session:
        appeals.appeal_rejection(
            db_session=session,
            submission_id=submission_id,
            worker=session.get_one(User, worker_id),
            message="The shelf was in the photo.",
            now=when,
            window_days=7,
        )


def grant(db, make, by: str, submission_id: str, when: datetime) -> None:
    """Grant the open appeal: an admin reverses the rejection, or nobody decided it within
    48 hours and the deadline grants it; either pays the worker."""
    admin = make(UserFactory, admin=True)
    with db.transaction() as session:
        if by == "deadline":
            granted = appeals.approve_overdue_appeals(
                db_session=session, now=when, sla_hours=48, limit=10
            )
            assert granted == 1
            return
        (appeal_id,) = session.scalars(
            select(Appeal.id).where(Appeal.submission_id == submission_id)
        ).all()
        appeals.decide_appeal(
            db_session=session,
            appeal_id=appeal_id,
            reviewer=session.get_one(User, admin.id),
            decision="approve",
            reason_code=None,
            comment=None,
            now=when,
        )


@pytest.mark.parametrize("by", ["admin", "deadline"])
def test_a_reserve_an_appeal_may_pay_is_not_given_back_too(client, db, make, brand, app, by):
    _user, headers = brand
    assert app.config["APPEAL_WINDOW_DAYS"] == 7
    top_up(client, headers, 10_000)
    campaign, stores = weekly(client, make, brand)
    cid = campaign["id"]
    first = missions(db, cid)
    appealed, worker = reject(db, make, brand, first[(stores[0], 1)][0], at(campaign, 6.5))
    reject(db, make, brand, first[(stores[1], 1)][0], at(campaign, 6.5))

    assert sweep(campaign, 7) == 1  # round 2 opens; 1800 from the balance
    now = missions(db, cid)
    # The rejected missions may still be appealed: left open, their reserve kept.
    assert [now[(s, 1)][1] for s in stores] == ["open", "open", "cancelled"]
    assert brand_balance(client, headers) == euros(10_000 - 1800 + 600)

    appeal(db, appealed, worker, at(campaign, 8))
    grant(db, make, by, appealed, at(campaign, 10))
    with db.transaction(write=False) as session:
        paid = ledger.worker_balance(db_session=session, worker_id=worker)
    assert paid == euros(600)

    # Once settled (the appeal granted, the other's window over), a later sweep closes both:
    # the granted one's reserve paid its worker, the lapsed one's goes back.
    assert sweep(campaign, 10.5) == 0
    assert [missions(db, cid)[(s, 1)][1] for s in stores[:2]] == ["cancelled", "open"]
    assert brand_balance(client, headers) == euros(10_000 - 1800 + 600)  # paid, not given back
    assert sweep(campaign, 13.6) == 0
    assert [missions(db, cid)[(s, 1)][1] for s in stores] == ["cancelled"] * 3
    assert brand_balance(client, headers) == euros(10_000 - 1800 + 600 + 600)
    assert held(db, cid) == 1800  # round 2's three missions, nothing more, nothing less
    assert problems(db) == []
    assert sweep(campaign, 13.7) == 0
    assert brand_balance(client, headers) == euros(10_000 - 1800 + 1200)


def test_cancelling_gives_back_the_last_rounds_reserve_once(client, db, make, auth_headers, brand):
    _user, headers = brand
    top_up(client, headers, 10_000)
    campaign, stores = weekly(client, make, brand)
    cid = campaign["id"]
    assert sweep(campaign, 7) == 1
    second = missions(db, cid)
    claim(client, make, auth_headers, second[(stores[0], 2)][0])
    before = brand_balance(client, headers)["amount_minor"]  # round 1's 1800 back already

    cancelled = client.post(f"{API}/campaigns/{cid}/cancel", headers=headers)
    assert cancelled.status_code == 200, cancelled.json
    after = missions(db, cid)
    assert [after[(s, 2)][1] for s in stores] == ["claimed", "cancelled", "cancelled"]
    assert brand_balance(client, headers) == euros(before + 1200)
    assert held(db, cid) == 600  # the claimed mission's, honoured
    assert sweep(campaign, 8) == 0
    assert sweep(campaign, 31) == 0
    assert brand_balance(client, headers) == euros(before + 1200)  # once
    assert problems(db) == []


def test_the_last_rounds_reserve_goes_back_once_it_ended(client, db, make, auth_headers, brand):
    _user, headers = brand
    top_up(client, headers, 10_000)
    campaign, stores = weekly(client, make, brand)
    cid = campaign["id"]
    ends = (datetime.fromisoformat(campaign["ends_at"]) - at(campaign, 0)) / DAY
    assert sweep(campaign, 28) == 1  # round 5, the last before ends_at
    last = missions(db, cid)
    claim(client, make, auth_headers, last[(stores[0], 5)][0])
    reject(db, make, brand, last[(stores[1], 5)][0], at(campaign, ends - 1))
    before = brand_balance(client, headers)["amount_minor"]

    assert sweep(campaign, ends - 0.5) == 0  # still running: nothing given back
    assert brand_balance(client, headers) == euros(before)
    assert sweep(campaign, ends + 0.1) == 0
    over = missions(db, cid)
    # Claimed honoured; the rejected one may be appealed for a week yet; the rest close.
    assert [over[(s, 5)][1] for s in stores] == ["claimed", "open", "cancelled"]
    assert brand_balance(client, headers) == euros(before + 600)
    assert sweep(campaign, ends + 0.2) == 0
    assert brand_balance(client, headers) == euros(before + 600)  # once
    assert sweep(campaign, ends + 6.5) == 0  # its window closes
    assert missions(db, cid)[(stores[1], 5)][1] == "cancelled"
    assert brand_balance(client, headers) == euros(before + 1200)
    assert held(db, cid) == 600  # the claimed mission's
    assert sweep(campaign, ends + 7) == 0
    assert brand_balance(client, headers) == euros(before + 1200)
    assert problems(db) == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_brands_balance_is_read_and_paid_into_under_its_lock(client, db, make, brand):
    """A sweep funding a round holds the brand's row: a second funding (another campaign of
    the brand) and a top-up wait for it (here: time out at once) rather than read the same
    balance and overspend it."""
    user, headers = brand
    top_up(client, headers, 2_000)
    one, _ = weekly(client, make, brand, stores=2)
    two, _ = weekly(client, make, brand, stores=2)
    attempts = {
        "round": lambda session: round_service.open_due_round(
            db_session=session, campaign_id=two["id"], now=at(two, 7)
        ),
        "top-up": lambda session: ledger.top_up_brand(
            db_session=session, brand_id=user.brand_id, amount=Money(500, "EUR"), now=at(two, 7)
        ),
    }
    with db.transaction() as first:
        assert round_service.open_due_round(db_session=first, campaign_id=one["id"], now=at(one, 7))
        for attempt in attempts:
            with db.engine.connect() as conn, conn.begin():
                conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
                second = Session(bind=conn)
                with pytest.raises(OperationalError, match="lock timeout"):
                    attempts[attempt](second)
                second.close()
    # After the first committed, the second reads what the first left (round 1's unclaimed
    # missions gave back what round 2 took) and opens in turn.
    with db.transaction() as later:
        opened = round_service.open_due_round(
            db_session=later, campaign_id=two["id"], now=at(two, 7)
        )
    assert opened == 2
    assert brand_balance(client, headers) == euros(2_000)
    assert problems(db) == []
