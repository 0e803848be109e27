"""PATCH /campaigns/{id}: a draft changes freely; a published campaign only ends later, pays
more or adds stores, each funded, and never under the pay floor."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from backend.campaigns import edits, rules, service
from backend.campaigns.models import Campaign
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Mission
from backend.reconciliation.ledger import check_ledger
from backend.settings import override_settings, settings_of
from tests.support.campaigns import campaign_body, decide, evidence
from tests.support.factories import StoreFactory, UserFactory

NOW = datetime.now(UTC)


@pytest.fixture
def brand(make, auth_headers):
    user = make(UserFactory, brand_user=True)
    stores = [make(StoreFactory, brand_id=user.brand_id) for _ in range(4)]
    return user, auth_headers(user), [s.id for s in stores]


def create(client, headers, store_ids, **overrides):
    response = client.post(
        "/api/v1/campaigns", json=campaign_body(store_ids, **overrides), headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def publish(client, headers, campaign_id):
    response = client.post(f"/api/v1/campaigns/{campaign_id}/publish", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def patch(client, headers, campaign_id, body):
    return client.patch(f"/api/v1/campaigns/{campaign_id}", json=body, headers=headers)


def missions(db, campaign_id):
    """{store_id: (status, reward, bonus, show_up)} of a campaign's missions."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                Mission.store_id,
                Mission.status,
                Mission.reward_amount_minor,
                Mission.bonus_minor,
                Mission.show_up_minor,
            ).where(Mission.campaign_id == campaign_id)
        ).all()
    return {
        r.store_id: (r.status, r.reward_amount_minor, r.bonus_minor, r.show_up_minor) for r in rows
    }


def funded(db, campaign_id):
    with db.transaction(write=False) as session:
        return ledger.balance(db_session=session, account=f"campaign:{campaign_id}", currency="EUR")


def ledger_problems(db):
    with db.transaction(write=False) as session:
        return check_ledger(db_session=session)


def euros(amount_minor):
    return {"amount_minor": amount_minor, "currency": "EUR"}


# A draft.


def test_a_draft_changes_every_field_and_its_missions_follow(client, db, brand):
    _user, headers, (a, b, c, d) = brand
    bonus = [{"store_id": a, "amount": euros(150)}]
    cid = create(client, headers, [a, b, c], bonuses=bonus)
    starts, ends = NOW + timedelta(days=1), NOW + timedelta(days=9)
    body = {
        "name": "  Towel audit, week 2 ",
        "instructions": "Count the bottom shelf too.",
        "photo_instructions": "One photo of the whole bay.",
        "products": [{"sku": "A-1", "name": "Ultra Plus"}, {"sku": "C-3", "name": "Day"}],
        "photos_required": 1,
        "review_required": True,
        "reward": euros(900),
        "est_minutes": 25,
        "starts_at": starts.isoformat(),
        "ends_at": ends.isoformat(),
        "store_ids": [b, c, d],
        "bonuses": [{"store_id": d, "amount": euros(200)}],
    }
    response = patch(client, headers, cid, body)
    assert response.status_code == 200, response.json
    edited = response.json
    assert edited["status"] == "draft"
    assert edited["name"] == "Towel audit, week 2"
    assert edited["instructions"] == "Count the bottom shelf too."
    assert edited["photo_instructions"] == "One photo of the whole bay."
    assert edited["products"] == [
        {"sku": "A-1", "name": "Ultra Plus"},
        {"sku": "C-3", "name": "Day"},
    ]
    assert (edited["photos_required"], edited["review_required"]) == (1, True)
    assert (edited["reward"], edited["est_minutes"]) == (euros(900), 25)
    assert abs(datetime.fromisoformat(edited["starts_at"]) - starts) < timedelta(seconds=1)
    assert abs(datetime.fromisoformat(edited["ends_at"]) - ends) < timedelta(seconds=1)
    assert edited["missions"] == {"draft": 3}
    assert client.get(f"/api/v1/campaigns/{cid}", headers=headers).json == edited
    # store_ids replaced the set: a's mission is gone, d's is new, with its bonus.
    assert missions(db, cid) == {
        b: ("draft", 900, 0, None),
        c: ("draft", 900, 0, None),
        d: ("draft", 900, 200, None),
    }
    with db.transaction(write=False) as session:
        campaign = session.get_one(Campaign, cid)
        assert campaign.photo_instructions == "One photo of the whole bay."
    # Nothing was funded: a draft costs nothing until it is published.
    assert funded(db, cid) == 0
    published = publish(client, headers, cid)
    assert published["missions"] == {"open": 3}
    assert funded(db, cid) == 3 * 900 + 200


def test_store_ids_replace_the_set_and_bonuses_stay_with_their_stores(client, db, brand):
    _user, headers, (a, b, c, d) = brand
    bonuses = [{"store_id": a, "amount": euros(100)}, {"store_id": b, "amount": euros(50)}]
    cid = create(client, headers, [a, b, c], bonuses=bonuses)
    response = patch(client, headers, cid, {"store_ids": [b, d]})
    assert response.status_code == 200, response.json
    assert missions(db, cid) == {b: ("draft", 600, 50, None), d: ("draft", 600, 0, None)}
    # Only a reward change: every mission takes it, bonuses kept.
    assert patch(client, headers, cid, {"reward": euros(650)}).status_code == 200
    assert missions(db, cid) == {b: ("draft", 650, 50, None), d: ("draft", 650, 0, None)}
    # An empty PATCH changes nothing.
    assert patch(client, headers, cid, {}).status_code == 200
    assert missions(db, cid) == {b: ("draft", 650, 50, None), d: ("draft", 650, 0, None)}


def test_a_bad_draft_edit_names_the_field_and_writes_nothing(client, db, make, brand):
    _user, headers, (a, b, c, _d) = brand
    other_brand_store = make(StoreFactory).id
    cid = create(client, headers, [a, b])
    before = client.get(f"/api/v1/campaigns/{cid}", headers=headers).json
    before_missions = missions(db, cid)
    cases = [
        ({"ends_at": (NOW - timedelta(days=2)).isoformat()}, "ends_at"),  # before starts_at
        ({"starts_at": (NOW + timedelta(days=30)).isoformat()}, "ends_at"),
        ({"reward": euros(0)}, "reward.amount_minor"),
        ({"reward": {"amount_minor": 600, "currency": "USD"}}, "reward.currency"),
        ({"products": []}, "products"),
        ({"products": [{"sku": "X", "name": "x"}, {"sku": "X ", "name": "y"}]}, "products"),
        ({"store_ids": [a, a]}, "store_ids"),
        ({"store_ids": [a, other_brand_store]}, "store_ids"),
        ({"store_ids": []}, "store_ids"),
        ({"est_minutes": 0}, "est_minutes"),
        ({"photos_required": 11}, "photos_required"),  # over FAIRFIELD_SUBMISSION_MAX_PHOTOS
        ({"name": "   "}, "name"),
        ({"bonuses": [{"store_id": c, "amount": euros(100)}]}, "bonuses.0.store_id"),
        ({"status": "published"}, "status"),
        ({"brand_id": "someone-else"}, "brand_id"),
        # One bad field spoils the whole edit: the good one is not written either.
        ({"name": "Renamed", "reward": euros(-1)}, "reward.amount_minor"),
        ({"name": "Renamed", "store_ids": [a, b, c], "ends_at": "tomorrow"}, "ends_at"),
    ]
    for body, field in cases:
        response = patch(client, headers, cid, body)
        assert response.status_code == 422, (body, response.json)
        assert response.content_type == "application/problem+json"
        assert field in response.json["errors"], (body, response.json["errors"])
    assert client.get(f"/api/v1/campaigns/{cid}", headers=headers).json == before
    assert missions(db, cid) == before_missions


def test_only_the_brand_and_admins_edit_and_a_cancelled_campaign_is_409(
    client, make, auth_headers, brand
):
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:2])
    other = auth_headers(make(UserFactory, brand_user=True))
    assert patch(client, other, cid, {"name": "Mine now"}).status_code == 404
    worker = auth_headers(make(UserFactory))
    assert patch(client, worker, cid, {"name": "Mine now"}).status_code == 403
    admin = auth_headers(make(UserFactory, admin=True))
    response = patch(client, admin, cid, {"name": "Fixed by support"})
    assert response.status_code == 200
    assert response.json["name"] == "Fixed by support"
    # PUT stays unrouted: PATCH is the one way to edit.
    put = client.put(f"/api/v1/campaigns/{cid}", json=campaign_body(store_ids), headers=headers)
    assert put.status_code == 405
    assert client.post(f"/api/v1/campaigns/{cid}/cancel", headers=headers).status_code == 200
    response = patch(client, headers, cid, {"name": "Back from the dead"})
    assert response.status_code == 409
    assert response.json["code"] == "campaign_cancelled"


# A published campaign.


def test_a_published_campaign_only_ends_later(client, db, brand):
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:2])
    ends_at = datetime.fromisoformat(publish(client, headers, cid)["ends_at"])
    later = ends_at + timedelta(days=7)
    response = patch(client, headers, cid, {"ends_at": later.isoformat()})
    assert response.status_code == 200, response.json
    assert datetime.fromisoformat(response.json["ends_at"]) == later
    assert funded(db, cid) == 2 * 600  # a later end costs nothing more
    for when in (later - timedelta(days=1), NOW - timedelta(hours=1)):
        response = patch(client, headers, cid, {"ends_at": when.isoformat()})
        assert response.status_code == 422, when
        assert "ends_at" in response.json["errors"]
    # The same value again is no change, so it is no error either.
    assert patch(client, headers, cid, {"ends_at": later.isoformat()}).status_code == 200


def test_other_fields_of_a_published_campaign_are_422_naming_them(client, db, brand):
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:2])
    shown = publish(client, headers, cid)
    for body, field in [
        ({"name": "Another"}, "name"),
        ({"est_minutes": 10}, "est_minutes"),
        ({"products": [{"sku": "Z", "name": "z"}]}, "products"),
        ({"instructions": "Other"}, "instructions"),
        ({"photo_instructions": "Other"}, "photo_instructions"),
        ({"photos_required": 0}, "photos_required"),
        ({"starts_at": NOW.isoformat()}, "starts_at"),
        ({"bonuses": [{"store_id": store_ids[0], "amount": euros(10)}]}, "bonuses"),
        ({"ends_at": (NOW + timedelta(days=30)).isoformat(), "name": "x"}, "name"),
    ]:
        response = patch(client, headers, cid, body)
        assert response.status_code == 422, (body, response.json)
        assert list(response.json["errors"]) == [field], response.json
    after = client.get(f"/api/v1/campaigns/{cid}", headers=headers).json
    assert after == shown
    # Sending back what is there already is not a change.
    same = {"name": shown["name"], "products": shown["products"], "reward": shown["reward"]}
    assert patch(client, headers, cid, same).status_code == 200


def test_a_raised_reward_is_funded_and_paid_to_open_and_claimed_missions(
    client, db, make, auth_headers, brand
):
    user, headers, (a, b, c, d) = brand
    # c carries a bonus: its show-up pay is a share of reward and bonus together.
    cid = create(client, headers, [a, b, c, d], bonuses=[{"store_id": c, "amount": euros(100)}])
    publish(client, headers, cid)
    by_store = mission_ids(db, cid)
    # a: approved at 600 before the raise; b: claimed; c: open; d: submitted, in review.
    done, _ = evidence(
        db, mission_id=by_store[a], worker_id=make(UserFactory).id, brand_id=user.brand_id
    )
    decide(db, done, "approved")
    claimer = make(UserFactory)
    claim = client.post(
        f"/api/v1/missions/{by_store[b]}/claim", json={}, headers=auth_headers(claimer)
    )
    assert claim.status_code == 201, claim.json
    in_review, _ = evidence(
        db, mission_id=by_store[d], worker_id=make(UserFactory).id, brand_id=user.brand_id
    )

    lower = patch(client, headers, cid, {"reward": euros(500)})
    assert lower.status_code == 422
    assert "reward.amount_minor" in lower.json["errors"]
    other = patch(client, headers, cid, {"reward": {"amount_minor": 900, "currency": "USD"}})
    assert other.status_code == 422
    assert "reward.currency" in other.json["errors"]

    response = patch(client, headers, cid, {"reward": euros(800)})
    assert response.status_code == 200, response.json
    assert response.json["reward"] == euros(800)
    # 2 missions were raised by 200 each (a bonus stays as it was: the raise costs no more).
    assert response.json["spend"] == {
        "funded": euros(4 * 600 + 100 + 2 * 200),
        "spent": euros(600),
        "remaining": euros(3 * 600 + 100 + 2 * 200),
    }
    assert missions(db, cid) == {
        a: ("completed", 600, 0, 300),  # a credit keeps the reward it was approved at
        b: ("claimed", 800, 0, 400),
        c: ("open", 800, 100, 450),  # half of 800 + 100
        d: ("submitted", 600, 0, 300),  # handed in at 600: it is decided at 600
    }
    with db.transaction(write=False) as session:
        memos = session.scalars(
            select(LedgerTransaction.memo).where(LedgerTransaction.kind == "campaign_funding")
        ).all()
    assert "reward raised to 8.00 EUR" in memos

    # The open mission, done and approved now, pays the new reward.
    worker = make(UserFactory)
    submission, _ = evidence(
        db, mission_id=by_store[c], worker_id=worker.id, brand_id=user.brand_id
    )
    decide(db, submission, "approved")
    decide(db, in_review, "approved")
    with db.transaction(write=False) as session:
        assert ledger.worker_balance(db_session=session, worker_id=worker.id) == euros(900)
        credits = session.scalars(
            select(LedgerEntry.amount_minor)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerTransaction.submission_id == in_review,
                LedgerEntry.account.startswith("worker:"),
            )
        ).all()
    assert credits == [600]
    assert ledger_problems(db) == []
    assert funded(db, cid) == (4 * 600 + 100 + 2 * 200) - (600 + 900 + 600)


def test_a_raise_after_a_closed_store_reopened_keeps_the_show_up_pay_credited(
    app, client, db, make, brand
):
    """The ledger check compared the closed store's credit (300, half of 600) with the
    reopened mission's show-up pay after the raise (400) and reported a mismatch."""
    user, headers, (a, b, _c, _d) = brand
    cid = create(client, headers, [a, b])
    publish(client, headers, cid)
    mission = mission_ids(db, cid)[a]
    closed, _ = evidence(
        db,
        mission_id=mission,
        worker_id=make(UserFactory).id,
        brand_id=user.brand_id,
        outcome="store_closed",
    )
    decide(db, closed, "approved")
    assert reopen(client, headers, mission).status_code == 200
    response = patch(client, headers, cid, {"reward": euros(800)})
    assert response.status_code == 200, response.json
    assert missions(db, cid)[a] == ("open", 800, 0, 400)
    assert credited(db, closed) == [300]  # paid at the reward in force when approved
    ledger_holds(app, db)
    # The mission done now pays the new reward, and the ledger still holds.
    done, _ = evidence(
        db, mission_id=mission, worker_id=make(UserFactory).id, brand_id=user.brand_id
    )
    decide(db, done, "approved")
    assert credited(db, done) == [800]
    ledger_holds(app, db)


def test_a_closed_store_reopened_after_a_raise_pays_the_new_reward(app, client, db, make, brand):
    """The reopened mission stayed at 600 while the campaign paid 800, and sending 800 again
    was no change, so nothing could lift it."""
    user, headers, (a, b, _c, _d) = brand
    cid = create(client, headers, [a, b])
    publish(client, headers, cid)
    mission = mission_ids(db, cid)[a]
    closed, _ = evidence(
        db,
        mission_id=mission,
        worker_id=make(UserFactory).id,
        brand_id=user.brand_id,
        outcome="store_closed",
    )
    decide(db, closed, "approved")
    assert patch(client, headers, cid, {"reward": euros(800)}).status_code == 200
    assert missions(db, cid)[a] == ("store_closed", 600, 0, 300)  # done: not raised
    assert reopen(client, headers, mission).status_code == 200
    assert missions(db, cid)[a] == ("open", 800, 0, 400)
    # 2 x 600 at publishing, 200 for b's raise, the 300 paid out put back, 200 to lift a.
    assert funded(db, cid) == 2 * 600 + 200 + 300 + 200 - 300
    ledger_holds(app, db)


def test_a_mission_rejected_after_a_raise_reopens_at_the_new_reward(app, client, db, make, brand):
    user, headers, (a, b, _c, _d) = brand
    cid = create(client, headers, [a, b], bonuses=[{"store_id": a, "amount": euros(100)}])
    publish(client, headers, cid)
    mission = mission_ids(db, cid)[a]
    handed_in, _ = evidence(
        db, mission_id=mission, worker_id=make(UserFactory).id, brand_id=user.brand_id
    )
    assert patch(client, headers, cid, {"reward": euros(800)}).status_code == 200
    assert missions(db, cid)[a] == ("submitted", 600, 100, 350)
    decide(db, handed_in, "rejected")
    assert missions(db, cid)[a] == ("open", 800, 100, 450)
    assert funded(db, cid) == 2 * 600 + 100 + 200 + 200
    redo, _ = evidence(
        db, mission_id=mission, worker_id=make(UserFactory).id, brand_id=user.brand_id
    )
    decide(db, redo, "approved")
    assert credited(db, redo) == [900]
    assert funded(db, cid) == 600 + 200  # b's reward is all that is left
    ledger_holds(app, db)


def mission_ids(db, campaign_id):
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Mission.store_id, Mission.id).where(Mission.campaign_id == campaign_id)
        ).all()
    return dict(rows)


def reopen(client, headers, mission_id):
    return client.post(f"/api/v1/missions/{mission_id}/reopen", headers=headers)


def credited(db, submission_id):
    """What a submission's credit paid its worker."""
    with db.transaction(write=False) as session:
        return session.scalars(
            select(LedgerEntry.amount_minor)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(
                LedgerTransaction.submission_id == submission_id,
                LedgerEntry.account.startswith("worker:"),
            )
        ).all()


def ledger_holds(app, db):
    """Both ways of checking the ledger find nothing wrong."""
    assert ledger_problems(db) == []
    checked = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert checked.exit_code == 0, checked.output
    assert "ledger check passed" in checked.stdout


def test_a_published_campaign_adds_stores_but_never_drops_one(
    client, db, make, auth_headers, brand
):
    _user, headers, (a, b, c, d) = brand
    cid = create(client, headers, [a, b])
    publish(client, headers, cid)
    dropped = patch(client, headers, cid, {"store_ids": [a, c]})
    assert dropped.status_code == 422
    assert "store_ids" in dropped.json["errors"]
    foreign = patch(client, headers, cid, {"store_ids": [a, b, make(StoreFactory).id]})
    assert foreign.status_code == 422
    assert "store_ids" in foreign.json["errors"]
    assert funded(db, cid) == 2 * 600

    response = patch(client, headers, cid, {"store_ids": [a, b, c, d], "reward": euros(700)})
    assert response.status_code == 200, response.json
    assert response.json["missions"] == {"open": 4}
    assert missions(db, cid) == dict.fromkeys((a, b, c, d), ("open", 700, 0, 350))
    assert funded(db, cid) == 4 * 700
    assert ledger_problems(db) == []
    # The new missions are found and can be claimed at once.
    with db.transaction(write=False) as session:
        new = session.scalar(
            select(Mission.id).where(Mission.campaign_id == cid, Mission.store_id == d)
        )
    worker = auth_headers(make(UserFactory))
    assert client.post(f"/api/v1/missions/{new}/claim", json={}, headers=worker).status_code == 201


def test_an_ended_campaign_is_extended_before_it_is_funded_again(client, db, brand):
    _user, headers, (a, b, c, _d) = brand
    cid = create(
        client,
        headers,
        [a, b],
        starts_at=(NOW - timedelta(days=3)).isoformat(),
        ends_at=(NOW + timedelta(days=1)).isoformat(),
    )
    publish(client, headers, cid)
    with db.transaction() as session:  # the campaign ran its course
        session.get_one(Campaign, cid).ends_at = NOW - timedelta(hours=1)
    response = patch(client, headers, cid, {"store_ids": [a, b, c]})
    assert response.status_code == 422
    assert "store_ids" in response.json["errors"]
    later = (NOW + timedelta(days=2)).isoformat()
    response = patch(client, headers, cid, {"store_ids": [a, b, c], "ends_at": later})
    assert response.status_code == 200, response.json
    assert funded(db, cid) == 3 * 600


# The pay floor (12.00 EUR an hour by default; 15 + 15 minutes: 6.00 EUR passes).


def test_a_draft_may_sit_under_the_floor_until_it_is_published(client, brand):
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:2])
    response = patch(client, headers, cid, {"reward": euros(400)})
    assert response.status_code == 200, response.json
    refused = client.post(f"/api/v1/campaigns/{cid}/publish", headers=headers)
    assert refused.status_code == 422
    assert refused.json["code"] == "below_pay_floor"
    assert refused.json["errors"] == {"reward.amount_minor": ["Must be at least 600."]}
    # The brand fixes it in place, as the refusal says, instead of starting over.
    assert patch(client, headers, cid, {"reward": euros(600)}).status_code == 200
    assert client.post(f"/api/v1/campaigns/{cid}/publish", headers=headers).status_code == 200


def test_a_published_edit_is_held_to_the_floor(app, client, db, brand):
    _user, headers, (a, b, c, _d) = brand
    cid = create(client, headers, [a, b])
    publish(client, headers, cid)
    override_settings(app, MIN_HOURLY="16.00 EUR")  # the floor rose since: 8.00 EUR over 30 minutes
    for body in ({"reward": euros(700)}, {"store_ids": [a, b, c]}):
        response = patch(client, headers, cid, body)
        assert response.status_code == 422, body
        assert response.json["code"] == "below_pay_floor"
        assert response.json["errors"] == {"reward.amount_minor": ["Must be at least 800."]}
    assert funded(db, cid) == 2 * 600
    response = patch(client, headers, cid, {"reward": euros(800), "store_ids": [a, b, c]})
    assert response.status_code == 200, response.json
    assert funded(db, cid) == 3 * 800
    assert ledger_problems(db) == []


def test_create_and_edit_refuse_what_cannot_be_stored(client, brand):
    """Same rules on both ways in: a reward past the column, a date whose offset cannot be
    turned into UTC, a blank SKU were 500s or silent junk; each is a 422 naming the field."""
    _user, headers, (a, b, _c, _d) = brand
    cid = create(client, headers, [a, b])
    cases = [
        ({"reward": euros(10**12)}, "reward.amount_minor"),
        ({"bonuses": [{"store_id": a, "amount": euros(10**12)}]}, "bonuses.0.amount.amount_minor"),
        ({"starts_at": "0001-01-01T00:00:00+14:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:59:59-12:00"}, "ends_at"),
        ({"products": [{"sku": " ", "name": "Blank"}]}, "products"),
    ]
    for body, field in cases:
        created = client.post(
            "/api/v1/campaigns", json=campaign_body([a, b], **body), headers=headers
        )
        edited = patch(client, headers, cid, body)
        for response in (created, edited):
            assert response.status_code == 422, (body, response.json)
            assert field in response.json["errors"], (body, response.json["errors"])
    publish(client, headers, cid)
    for body, field in cases[:1] + cases[3:4]:
        response = patch(client, headers, cid, body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"], (body, response.json["errors"])


def test_a_publish_waits_for_an_edit_in_flight_and_funds_what_it_committed(app, db, brand, client):
    """Without the campaign's row held, a publish that read the draft before an edit
    committed funded the old reward while its missions opened at the new one."""
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:3])
    pay = rules.pay_rules(settings_of(app))
    published: list[str] = []

    def publish_meanwhile():
        with db.transaction() as session:
            campaign = session.get_one(Campaign, cid)
            service.publish_campaign(db_session=session, campaign=campaign, pay=pay)
            published.append(campaign.status)

    with db.transaction() as session:
        campaign = session.get_one(Campaign, cid)
        edits.edit_campaign(
            db_session=session, campaign=campaign, changes={"reward": euros(700)}, now=NOW
        )
        other = threading.Thread(target=publish_meanwhile)
        other.start()
        other.join(timeout=1)
        assert other.is_alive()  # the publish waits for this edit
    other.join(timeout=30)
    assert published == ["published"]
    assert missions(db, cid) == dict.fromkeys(store_ids[:3], ("open", 700, 0, 350))
    assert funded(db, cid) == 3 * 700
    assert ledger_problems(db) == []


def test_a_draft_edit_keeps_photo_instructions_as_create_does(client, db, brand):
    """Create trimmed them and kept none for blank; a draft edit stored them as sent."""
    _user, headers, store_ids = brand
    blank = create(client, headers, store_ids[:1], photo_instructions="   ")
    cid = create(client, headers, store_ids[:1])
    for sent, kept in [("  The whole bay.  ", "The whole bay."), ("   ", None), (None, None)]:
        response = patch(client, headers, cid, {"photo_instructions": sent})
        assert response.status_code == 200, response.json
        assert response.json["photo_instructions"] == kept, sent
        with db.transaction(write=False) as session:
            assert session.get_one(Campaign, cid).photo_instructions == kept
    shown = client.get(f"/api/v1/campaigns/{blank}", headers=headers).json
    assert shown["photo_instructions"] is None


def test_patch_takes_the_create_schema_with_nothing_required(app, client, brand):
    """One definition: PATCH has create's fields and limits (brand_id aside), none
    required and no defaults filled in for the fields left out."""
    spec = client.get("/openapi.json").json
    schemas = spec["components"]["schemas"]
    body = spec["paths"]["/api/v1/campaigns/{campaign_id}"]["patch"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"]
    create_in, patch_in = schemas["CampaignIn"], schemas[ref.rsplit("/", 1)[1]]
    assert set(patch_in["properties"]) == set(create_in["properties"]) - {"brand_id"}
    for name, field in patch_in["properties"].items():
        limits = {k: v for k, v in field.items() if k != "default"}
        assert limits == {k: v for k, v in create_in["properties"][name].items() if k != "default"}
    assert "required" not in patch_in
    # A PATCH of one field changes that field alone: instructions are not reset to "".
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:1], review_required=True)
    response = patch(client, headers, cid, {"name": "Renamed"})
    assert response.status_code == 200, response.json
    assert (response.json["instructions"], response.json["review_required"]) == (
        "Count facings.",
        True,
    )


def test_photos_over_the_configured_maximum_are_refused_on_patch_as_on_create(app, client, brand):
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:1])
    override_settings(app, SUBMISSION_MAX_PHOTOS=3)
    for photos, accepted in [(3, True), (4, False), (11, False), (21, False)]:
        created = client.post(
            "/api/v1/campaigns",
            json=campaign_body(store_ids[:1], photos_required=photos),
            headers=headers,
        )
        edited = patch(client, headers, cid, {"photos_required": photos})
        for response in (created, edited):
            if accepted:
                assert response.status_code in (200, 201), (photos, response.json)
            else:
                assert response.status_code == 422, (photos, response.json)
                assert response.content_type == "application/problem+json"
                assert list(response.json["errors"]) == ["photos_required"], response.json


def test_an_extension_under_a_risen_floor_says_why_and_names_ends_at(app, client, db, brand):
    """Workers are protected: a campaign under today's floor runs no longer. The refusal
    named only the reward, which the brand had not sent, and did not say why an extension
    was about pay."""
    _user, headers, store_ids = brand
    cid = create(client, headers, store_ids[:2])
    ends_at = datetime.fromisoformat(publish(client, headers, cid)["ends_at"])
    override_settings(app, MIN_HOURLY="16.00 EUR")  # 8.00 EUR over 30 minutes
    later = (ends_at + timedelta(days=7)).isoformat()
    response = patch(client, headers, cid, {"ends_at": later})
    assert response.status_code == 422, response.json
    assert response.json["code"] == "below_pay_floor"
    assert set(response.json["errors"]) == {"ends_at", "reward.amount_minor"}
    assert "at least 800" in response.json["errors"]["ends_at"][0]
    assert response.json["errors"]["reward.amount_minor"] == ["Must be at least 800."]
    assert "cannot run longer" in response.json["detail"]
    assert "rose since it was published" in response.json["detail"]
    assert client.get(f"/api/v1/campaigns/{cid}", headers=headers).json["ends_at"] == (
        ends_at.isoformat()
    )
    # Raising the reward with it lets the extension through.
    both = patch(client, headers, cid, {"ends_at": later, "reward": euros(800)})
    assert both.status_code == 200, both.json
    assert funded(db, cid) == 2 * 800


def test_the_reward_sent_again_lifts_an_open_mission_left_under_it(app, client, db, brand):
    """A mission reopened under an older reward (as migration 0011 reopens the ones a
    rejection left stuck) was out of reach: sending the campaign's reward again was no
    change. It lifts the mission now, funded, and changes nothing else."""
    _user, headers, (a, b, _c, _d) = brand
    cid = create(client, headers, [a, b])
    publish(client, headers, cid)
    assert patch(client, headers, cid, {"reward": euros(800)}).status_code == 200
    with db.transaction() as session:  # left behind at 600, as before reopening lifted
        session.execute(
            update(Mission)
            .where(Mission.campaign_id == cid, Mission.store_id == a)
            .values(reward_amount_minor=600, show_up_minor=300)
        )
    before = funded(db, cid)
    response = patch(client, headers, cid, {"reward": euros(800)})
    assert response.status_code == 200, response.json
    assert missions(db, cid) == {a: ("open", 800, 0, 400), b: ("open", 800, 0, 400)}
    assert funded(db, cid) == before + 200
    assert patch(client, headers, cid, {"reward": euros(800)}).status_code == 200
    assert funded(db, cid) == before + 200  # nothing more to lift
    ledger_holds(app, db)
