"""Claims: exactly once under concurrency, caps, release, check-in, expiry by a real beat."""

from __future__ import annotations

import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.missions.models import Assignment, Mission
from tests.support.factories import BrandFactory, CampaignFactory, MissionFactory, UserFactory
from tests.support.load import bulk_workers, fire
from tests.support.processes import wait_until
from tests.support.submitting import overdue_claim
from tests.support.world import build

BRUSSELS = (50.8467, 4.3525)


@pytest.fixture
def clients():
    with ProcessPoolExecutor(4) as pool:
        yield pool


@pytest.mark.gunicorn_workers(4)
def test_500_concurrent_claims_on_50_missions_give_exactly_50(db, make, gunicorn, clients):
    brand = make(BrandFactory)
    _cid, mission_ids = build(db, brand.id, [BRUSSELS] * 50)
    tokens = bulk_workers(db, 500)
    # Half of them retry once with the same Idempotency-Key, as a phone on a bad network does.
    jobs = [
        (f"{gunicorn}/missions/{mission_ids[i % 50]}/claim", tokens[i], f"k{i}" if i % 2 else None)
        for i in range(500)
    ]
    results = fire(clients, jobs)
    replays = fire(clients, [job for job in jobs if job[2]])
    assert replays == [result for job, result in zip(jobs, results, strict=True) if job[2]]
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 50
    assert statuses.count(409) == 450
    assert {body["code"] for status, body in results if status == 409} == {"mission_unavailable"}
    winners = {body["mission_id"] for status, body in results if status == 201}
    assert winners == set(mission_ids)
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Assignment)) == 50
        assert set(session.scalars(select(Mission.status))) == {"claimed"}


@pytest.mark.gunicorn_workers(4)
def test_parallel_claims_by_one_worker_respect_the_cap(db, make, gunicorn, clients):
    brand = make(BrandFactory)
    _cid, mission_ids = build(db, brand.id, [BRUSSELS] * 20)
    (token,) = bulk_workers(db, 1)
    results = fire(
        clients, [(f"{gunicorn}/missions/{mid}/claim", token, None) for mid in mission_ids]
    )
    statuses = [status for status, _ in results]
    assert statuses.count(201) == 3
    assert statuses.count(409) == 17
    assert {body["code"] for status, body in results if status == 409} == {"claim_limit_reached"}


def test_claim_release_check_in(client, db, make, auth_headers):
    mission_id = make(MissionFactory, at=BRUSSELS).id
    ana, bram = make(UserFactory), make(UserFactory)
    claimed = client.post(f"/api/v1/missions/{mission_id}/claim", headers=auth_headers(ana))
    assert claimed.status_code == 201
    assignment_id = claimed.json["assignment_id"]
    expires = datetime.fromisoformat(claimed.json["expires_at"])
    assert timedelta(minutes=74) < expires - datetime.now(UTC) <= timedelta(minutes=75)
    again = client.post(f"/api/v1/missions/{mission_id}/claim", headers=auth_headers(bram))
    assert (again.status_code, again.json["code"]) == (409, "mission_unavailable")

    near = client.post(
        f"/api/v1/assignments/{assignment_id}/check-in",
        headers=auth_headers(ana),
        json={"latitude": 50.8470, "longitude": 4.3525, "accuracy_m": 10},
    )
    assert near.json["inside_geofence"] is True
    assert 30 < near.json["distance_m"] < 40
    far = client.post(
        f"/api/v1/assignments/{assignment_id}/check-in",
        headers=auth_headers(ana),
        json={"latitude": 50.86, "longitude": 4.3525, "accuracy_m": 10},
    )
    assert far.json["inside_geofence"] is False
    # Someone else's assignment does not exist for them.
    other = client.post(f"/api/v1/assignments/{assignment_id}/release", headers=auth_headers(bram))
    assert other.status_code == 404

    released = client.post(
        f"/api/v1/assignments/{assignment_id}/release", headers=auth_headers(ana)
    )
    assert released.json["status"] == "released"
    with db.transaction(write=False) as session:
        assert session.get(Mission, mission_id).status == "open"
    twice = client.post(f"/api/v1/assignments/{assignment_id}/release", headers=auth_headers(ana))
    assert twice.status_code == 409
    mine = client.get("/api/v1/me/assignments", headers=auth_headers(ana)).json["items"]
    assert [a["id"] for a in mine] == [assignment_id]
    assert client.get("/api/v1/me/assignments", headers=auth_headers(bram)).json["items"] == []


def test_brands_cannot_claim_and_unknown_missions_are_404(client, db, make, auth_headers):
    brand_user = make(UserFactory, brand_user=True)
    mission_id = make(MissionFactory, brand_id=brand_user.brand_id, at=BRUSSELS).id
    response = client.post(f"/api/v1/missions/{mission_id}/claim", headers=auth_headers(brand_user))
    assert response.status_code == 403
    response = client.post("/api/v1/missions/nope/claim", headers=auth_headers(make(UserFactory)))
    assert response.status_code == 404


@pytest.mark.integration
def test_beat_expires_an_overdue_claim(client, db, make, auth_headers, start_worker):
    mission_id, assignment_id = overdue_claim(client, db, make, auth_headers)
    start_worker(CLAIM_EXPIRY_SWEEP_SECONDS=1)

    def expired():
        with db.transaction(write=False) as session:
            return session.get(Assignment, assignment_id).status == "expired"

    wait_until(expired, 60, "beat to expire the claim")
    with db.transaction(write=False) as session:
        assert session.get(Mission, mission_id).status == "open"


def test_get_mission_shows_pay_for_a_position_and_hides_what_is_not_yours(
    client, db, make, auth_headers
):
    brand_user = make(UserFactory, brand_user=True)
    other_brand = make(UserFactory, brand_user=True)
    mission_id = make(MissionFactory, brand_id=brand_user.brand_id, at=BRUSSELS).id
    ana, bram = make(UserFactory), make(UserFactory)
    url = f"/api/v1/missions/{mission_id}"

    seen = client.get(
        url, headers=auth_headers(ana), query_string={"latitude": 50.8568, "longitude": 4.3525}
    )
    assert seen.status_code == 200
    assert seen.json["store"]["latitude"] == BRUSSELS[0]
    assert 1100 < seen.json["distance_m"] < 1150  # 0.0101 degrees north: about 1.12 km
    assert seen.json["effective_hourly_rate"]["amount_minor"] < 2400  # the walk counts
    assert client.get(url, headers=auth_headers(ana)).json["distance_m"] is None
    brand = seen.json["brand"]
    assert brand["id"] == brand_user.brand_id
    scorecard = client.get(brand["scorecard_url"], headers=auth_headers(ana))
    assert scorecard.status_code == 200, scorecard.json  # the link leads to the brand's record
    assert client.get(url, headers=auth_headers(brand_user)).status_code == 200
    assert client.get(url, headers=auth_headers(other_brand)).status_code == 404

    assert client.post(f"{url}/claim", headers=auth_headers(ana)).status_code == 201
    assert client.get(url, headers=auth_headers(ana)).json["status"] == "claimed"
    assert client.get(url, headers=auth_headers(bram)).status_code == 404
    assert client.get("/api/v1/missions/nope", headers=auth_headers(ana)).status_code == 404


@pytest.mark.parametrize("cancelled", [False, True], ids=["draft", "cancelled-draft"])
def test_a_mission_never_published_answers_a_worker_as_an_unknown_id(
    client, db, make, auth_headers, cancelled
):
    # A draft campaign, or one cancelled as a draft: never published either way.
    state = "cancelled" if cancelled else "draft"
    campaign = make(CampaignFactory, status=state, published_at=None)
    mission_id = make(MissionFactory, campaign=campaign, status=state).id
    headers = auth_headers(make(UserFactory))
    nobody = str(uuid.uuid4())
    for method, template in (("POST", "/api/v1/missions/{}/claim"), ("GET", "/api/v1/missions/{}")):
        hidden = client.open(template.format(mission_id), method=method, headers=headers)
        unknown = client.open(template.format(nobody), method=method, headers=headers)
        assert hidden.status_code == unknown.status_code == 404, (template, hidden.json)
        assert hidden.json == unknown.json, template
        assert mission_id not in hidden.get_data(as_text=True)


def test_a_mission_a_worker_could_have_seen_answers_409_on_claim(client, db, make, auth_headers):
    brand = make(BrandFactory)
    claimed_id = make(MissionFactory, brand_id=brand.id, at=BRUSSELS, claimed=True).id
    cancelled_id = make(MissionFactory, brand_id=brand.id, at=(50.85, 4.36), cancelled=True).id
    headers = auth_headers(make(UserFactory))
    for mission_id in (claimed_id, cancelled_id):
        response = client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)
        assert response.status_code == 409, response.json
        assert response.json["code"] == "mission_unavailable"
