"""A rejected mission reopens for other workers; a late appeal granted is the platform's cost."""

from __future__ import annotations

import itertools
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.campaigns.models import Campaign
from backend.kernel.clock import utcnow
from backend.ledger import service as ledger
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Mission
from backend.reconciliation.ledger import check_ledger
from backend.review.models import Appeal
from backend.submissions.models import Submission
from tests.support.factories import UserFactory
from tests.support.load import fire
from tests.support.photos import jpeg, shelf
from tests.support.review import decide_appeal, reject
from tests.support.submitting import BRUSSELS, SKUS, Claimed, submit, validate_now
from tests.support.world import build
from workers.review import approve_overdue

REWARD = 600
SEEDS = itertools.count(30_000)


@dataclass
class Campaigned:
    campaign_id: str
    mission_id: str
    brand_headers: dict[str, str]


@pytest.fixture
def mission(db, make, auth_headers) -> Campaigned:
    """A published campaign with one store's mission, every result reviewed by a person, its
    reward funded."""
    return funded_mission(db, make, auth_headers)


def funded_mission(db, make, auth_headers) -> Campaigned:
    brand_user = make(UserFactory, brand_user=True)
    campaign_id, (mission_id,) = build(
        db, brand_user.brand_id, [BRUSSELS], skus=SKUS, review_required=True, reward=REWARD
    )
    with db.transaction() as session:
        ledger.fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=REWARD,
            currency="EUR",
            now=utcnow(),
        )
    return Campaigned(campaign_id, mission_id, auth_headers(brand_user))


@pytest.fixture
def worker(make, auth_headers):
    """worker(): a new worker and their headers."""

    def do() -> tuple[Any, dict[str, str]]:
        user = make(UserFactory)
        return user, auth_headers(user)

    return do


def claim(client, mission_id, who):
    user, headers = who
    return client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers), user, headers


def claimed(client, mission_id, who) -> Claimed:
    response, user, headers = claim(client, mission_id, who)
    assert response.status_code == 201, response.json
    return Claimed(response.json["assignment_id"], mission_id, user, headers, "", None)


def send(app, client, db, held: Claimed, photos: list[bytes] | None = None) -> str:
    response = submit(client, held, photos or [jpeg(shelf(seed=next(SEEDS)))])
    assert response.status_code == 202, response.json
    submission_id = response.json["submission_id"]
    validate_now(app, db, submission_id)
    return submission_id


def appeal_as(client, held: Claimed, submission_id: str):
    made = client.post(
        f"/api/v1/submissions/{submission_id}/appeal",
        json={"message": "PAD-2 is on the bottom shelf, left."},
        headers=held.headers,
    )
    assert made.status_code == 201, made.json
    return made


def approve(client, headers, submission_id):
    response = client.post(
        f"/api/v1/submissions/{submission_id}/decision",
        json={"decision": "approve"},
        headers=headers,
    )
    assert response.status_code == 200, response.json


def mission_status(db, mission_id) -> str:
    with db.transaction(write=False) as session:
        return session.get_one(Mission, mission_id).status


def balance(db, account) -> int:
    with db.transaction(write=False) as session:
        return ledger.balance(db_session=session, account=account, currency="EUR")


def ledger_holds(app, db) -> None:
    with db.transaction(write=False) as session:
        assert check_ledger(db_session=session) == []
    checked = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert checked.exit_code == 0, checked.output
    assert "ledger check passed" in checked.stdout


def nearby_ids(client, headers) -> list[str]:
    response = client.get(
        "/api/v1/missions/nearby",
        query_string={"latitude": BRUSSELS[0], "longitude": BRUSSELS[1], "radius_m": 1000},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_a_rejection_reopens_the_mission_at_once_for_another_worker(
    app, client, db, mission, worker, admin
):
    first, second = worker(), worker()
    rejected = send(app, client, db, claimed(client, mission.mission_id, first))
    reject(client, admin(), rejected)
    # Within the same minute: no sweep, no clock moving, the mission is open again.
    assert mission_status(db, mission.mission_id) == "open"
    assert mission.mission_id not in nearby_ids(client, first[1])
    assert mission.mission_id in nearby_ids(client, second[1])
    again, _, _ = claim(client, mission.mission_id, first)
    assert again.status_code == 409, again.json
    assert again.json["code"] == "mission_unavailable"
    taken, _, _ = claim(client, mission.mission_id, second)
    assert taken.status_code == 201, taken.json
    assert mission_status(db, mission.mission_id) == "claimed"


def test_a_machine_rejection_reopens_the_mission_too(app, client, db, mission, worker):
    truncated = jpeg(shelf(seed=next(SEEDS)))
    held = claimed(client, mission.mission_id, worker())
    submission_id = send(app, client, db, held, [truncated[: len(truncated) // 2]])
    with db.transaction(write=False) as session:
        assert session.get_one(Submission, submission_id).status == "rejected"
    assert mission_status(db, mission.mission_id) == "open"
    taken, _, _ = claim(client, mission.mission_id, worker())
    assert taken.status_code == 201, taken.json


def test_an_appeal_granted_after_the_mission_was_redone_is_paid_by_the_platform(
    app, client, db, mission, worker, admin
):
    first_admin, second_admin = admin(), admin()
    first, second = worker(), worker()
    first_held = claimed(client, mission.mission_id, first)
    rejected = send(app, client, db, first_held)
    reject(client, first_admin, rejected)
    redone = send(app, client, db, claimed(client, mission.mission_id, second))
    approve(client, first_admin, redone)
    assert mission_status(db, mission.mission_id) == "completed"
    made = appeal_as(client, first_held, rejected)
    assert made.status_code == 201, made.json
    granted = decide_appeal(client, second_admin, made.json["id"], {"decision": "approve"})
    assert granted.status_code == 200, granted.json
    # Both workers paid once each, in full; the brand charged once; the platform the rest.
    assert balance(db, f"worker:{first[0].id}") == REWARD
    assert balance(db, f"worker:{second[0].id}") == REWARD
    assert balance(db, f"campaign:{mission.campaign_id}") == 0
    assert balance(db, "platform") == -REWARD
    assert mission_status(db, mission.mission_id) == "completed"
    spend = client.get(f"/api/v1/campaigns/{mission.campaign_id}", headers=mission.brand_headers)
    assert spend.json["spend"]["spent"] == {"amount_minor": REWARD, "currency": "EUR"}
    ledger_holds(app, db)


def test_an_appeal_granted_first_leaves_the_reopened_mission_to_its_new_claim(
    app, client, db, mission, worker, admin
):
    first_admin, second_admin = admin(), admin()
    first, second = worker(), worker()
    first_held = claimed(client, mission.mission_id, first)
    rejected = send(app, client, db, first_held)
    reject(client, first_admin, rejected)
    second_held = claimed(client, mission.mission_id, second)
    made = appeal_as(client, first_held, rejected)
    granted = decide_appeal(client, second_admin, made.json["id"], {"decision": "approve"})
    assert granted.status_code == 200, granted.json
    # The claim on the reopened mission is honoured: its status is the new worker's.
    assert mission_status(db, mission.mission_id) == "claimed"
    assert balance(db, f"campaign:{mission.campaign_id}") == 0  # the first approval
    redone = send(app, client, db, second_held)
    approve(client, first_admin, redone)
    assert mission_status(db, mission.mission_id) == "completed"
    assert balance(db, f"worker:{first[0].id}") == REWARD
    assert balance(db, f"worker:{second[0].id}") == REWARD
    assert balance(db, f"campaign:{mission.campaign_id}") == 0
    assert balance(db, "platform") == -REWARD
    ledger_holds(app, db)


def test_an_appeal_refused_leaves_the_new_workers_submission_alone(
    app, client, db, mission, worker, admin
):
    first_admin, second_admin = admin(), admin()
    first_held = claimed(client, mission.mission_id, worker())
    rejected = send(app, client, db, first_held)
    reject(client, first_admin, rejected)
    send(app, client, db, claimed(client, mission.mission_id, worker()))
    assert mission_status(db, mission.mission_id) == "submitted"
    made = appeal_as(client, first_held, rejected)
    refused = decide_appeal(
        client,
        second_admin,
        made.json["id"],
        {"decision": "reject", "reason_code": "other", "comment": "Still no PAD-2."},
    )
    assert refused.status_code == 200, refused.json
    assert mission_status(db, mission.mission_id) == "submitted"  # still the second's


def test_an_appeal_granted_by_the_deadline_after_a_redo_is_the_platforms_cost(
    app, client, db, mission, worker, admin
):
    first, second = worker(), worker()
    first_held = claimed(client, mission.mission_id, first)
    rejected = send(app, client, db, first_held)
    reject(client, admin(), rejected)
    redone = send(app, client, db, claimed(client, mission.mission_id, second))
    approve(client, admin(), redone)
    made = appeal_as(client, first_held, rejected)
    with db.transaction() as session:
        session.execute(
            update(Appeal)
            .where(Appeal.id == made.json["id"])
            .values(created_at=utcnow() - timedelta(hours=49))
        )
    with app.app_context():
        assert approve_overdue.apply(throw=True).get() == 1
    assert balance(db, f"worker:{first[0].id}") == REWARD
    assert balance(db, f"worker:{second[0].id}") == REWARD
    assert balance(db, f"campaign:{mission.campaign_id}") == 0
    assert balance(db, "platform") == -REWARD
    assert mission_status(db, mission.mission_id) == "completed"
    ledger_holds(app, db)


@pytest.mark.parametrize("how", ["ended", "cancelled"])
def test_a_mission_whose_campaign_no_longer_runs_expires_instead(
    app, client, db, mission, worker, admin, how
):
    held = claimed(client, mission.mission_id, worker())
    rejected = send(app, client, db, held)
    if how == "cancelled":
        cancelled = client.post(
            f"/api/v1/campaigns/{mission.campaign_id}/cancel", headers=mission.brand_headers
        )
        assert cancelled.status_code == 200, cancelled.json
    else:
        with db.transaction() as session:
            session.execute(
                update(Campaign)
                .where(Campaign.id == mission.campaign_id)
                .values(ends_at=utcnow() - timedelta(minutes=1))
            )
    reject(client, admin(), rejected)
    assert mission_status(db, mission.mission_id) == "expired"
    taken, _, _ = claim(client, mission.mission_id, worker())
    assert taken.status_code == 409, taken.json
    # The reward it reserved stays with the campaign; nobody was paid.
    assert balance(db, f"campaign:{mission.campaign_id}") == REWARD


def test_racing_approvals_of_one_mission_charge_its_campaign_once(
    app, client, db, make, auth_headers, worker, admin, gunicorn
):
    """A redo approved and the first worker's appeal granted at the same moment, on five
    missions: each campaign pays once, the platform the other, whichever commits first."""
    first_admin, second_admin = admin(), admin()
    jobs, campaigns = [], []
    for _ in range(5):
        mission = funded_mission(db, make, auth_headers)
        campaigns.append(mission.campaign_id)
        first_held = claimed(client, mission.mission_id, worker())
        rejected = send(app, client, db, first_held)
        reject(client, first_admin, rejected)
        redone = send(app, client, db, claimed(client, mission.mission_id, worker()))
        made = appeal_as(client, first_held, rejected)
        jobs += [
            (f"{gunicorn}/submissions/{redone}/decision", first_admin, {"decision": "approve"}),
            (
                f"{gunicorn}/appeals/{made.json['id']}/decision",
                second_admin,
                {"decision": "approve"},
            ),
        ]
    with ProcessPoolExecutor(2) as pool:
        results = fire(
            pool,
            [(url, h["Authorization"].removeprefix("Bearer "), None, b) for url, h, b in jobs],
            processes=2,
        )
    assert [status for status, _ in results] == [200] * len(jobs), results
    with db.transaction(write=False) as session:
        for campaign_id in campaigns:
            paid = select(func.count()).where(
                LedgerEntry.account == f"campaign:{campaign_id}", LedgerEntry.amount_minor < 0
            )
            assert session.scalar(paid) == 1
        credits = select(func.count()).where(LedgerTransaction.kind == "submission_credit")
        assert session.scalar(credits) == 10
    assert balance(db, "platform") == -5 * REWARD
    ledger_holds(app, db)
