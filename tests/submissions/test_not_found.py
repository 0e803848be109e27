"""A 404 says the same whether the object is missing or not the caller's, and names no id.

Walked over every route that names an object by id: what another brand or another worker
gets for a real object must equal what they get for an id nobody has, and neither names any
other object; every 404 says so in the one wording (`backend.errors.not_found`). Routes only
admins reach are walked with ids nobody has.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from backend.campaigns.models import Campaign
from backend.missions.models import Mission
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import honest_payload, submit, validate_now

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# The one wording of `backend.errors.not_found`.
ONE_404 = re.compile(r"No [a-z ]+ with this id is visible to you\.")
POSITION = {"latitude": 50.8467, "longitude": 4.3525, "accuracy_m": 5.0}
IBAN = "DE89370400440532013000"


@dataclass(frozen=True)
class Raw:
    """A body sent as bytes with its own headers (a tus chunk), not as JSON."""

    data: bytes
    headers: dict[str, str]


TUS_CHUNK = Raw(
    b"\xff\xd8",
    {
        "Tus-Resumable": "1.0.0",
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": "0",
    },
)


def world(app, client, db, claim) -> dict[str, str]:
    """Ids of one of every kind of object: a claimed mission with an approved submission and
    its photo, the worker's payout request, a resumable submission's upload, a mission of a
    campaign never published."""
    claimed = claim()
    response = submit(client, claimed, [jpeg(shelf(seed=51))])
    assert response.status_code == 202, response.json
    submission_id = response.json["submission_id"]
    validate_now(app, db, submission_id)
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
    assert shown["status"] == "approved"
    resumable = claim(worker=claimed.worker, at=(50.85, 4.36))
    photo = jpeg(shelf(seed=52))
    declared = client.post(
        f"/api/v1/assignments/{resumable.assignment_id}/resumable-submission",
        json={
            "payload": honest_payload(),
            "photos": [{"size": len(photo), "sha256": hashlib.sha256(photo).hexdigest()}],
        },
        headers=claimed.headers,
    )
    assert declared.status_code == 201, declared.json
    draft = claim(worker=None, at=(50.86, 4.37))
    with db.transaction() as session:
        mission = session.get(Mission, claimed.mission_id)
        campaign_id, store_id = mission.campaign_id, mission.store_id
        # A campaign that was never published: its mission is the brand's plan alone.
        draft_campaign = session.get(Mission, draft.mission_id).campaign_id
        session.execute(
            update(Campaign)
            .where(Campaign.id == draft_campaign)
            .values(status="draft", published_at=None)
        )
        session.execute(
            update(Mission).where(Mission.id == draft.mission_id).values(status="draft")
        )
    payout = client.post(
        "/api/v1/me/payout-requests",
        json={"iban": IBAN, "holder_name": "Zoë Müller", "final": True},
        headers=claimed.headers,
    )
    assert payout.status_code == 201, payout.json
    return {
        "campaign": str(campaign_id),
        "store": str(store_id),
        "mission": claimed.mission_id,
        "draft_mission": draft.mission_id,
        "assignment": claimed.assignment_id,
        "submission": submission_id,
        "resumable": declared.json["submission_id"],
        "upload": declared.json["uploads"][0]["id"],
        "photo": shown["photos"][0]["id"],
        "payout_request": payout.json["id"],
    }


Body = dict[str, Any] | Raw | None

# (who asks, method, path with {id}, the object it names, body)
REQUESTS: list[tuple[str, str, str, str, Body]] = [
    ("brand", "GET", "/api/v1/photos/{id}", "photo", None),
    ("brand", "GET", "/api/v1/submissions/{id}", "submission", None),
    ("brand", "GET", "/api/v1/submissions/{id}/uploads", "resumable", None),
    ("brand", "GET", "/api/v1/campaigns/{id}", "campaign", None),
    ("brand", "PATCH", "/api/v1/campaigns/{id}", "campaign", {"instructions": "Mine now."}),
    ("brand", "GET", "/api/v1/campaigns/{id}/results", "campaign", None),
    ("brand", "POST", "/api/v1/campaigns/{id}/publish", "campaign", None),
    ("brand", "POST", "/api/v1/campaigns/{id}/cancel", "campaign", None),
    ("brand", "POST", "/api/v1/missions/{id}/reopen", "mission", None),
    ("brand", "GET", "/api/v1/missions/{id}", "mission", None),
    ("brand", "GET", "/api/v1/stores/{id}", "store", None),
    ("brand", "PATCH", "/api/v1/stores/{id}", "store", {"name": "Mine now"}),
    ("brand", "GET", "/api/v1/payout-requests/{id}", "payout_request", None),
    ("worker", "GET", "/api/v1/photos/{id}", "photo", None),
    ("worker", "GET", "/api/v1/submissions/{id}", "submission", None),
    ("worker", "GET", "/api/v1/submissions/{id}/uploads", "resumable", None),
    ("worker", "POST", "/api/v1/submissions/{id}/appeal", "submission", {"message": "Mine."}),
    ("worker", "GET", "/api/v1/missions/{id}", "mission", None),
    ("worker", "GET", "/api/v1/missions/{id}", "draft_mission", None),
    ("worker", "POST", "/api/v1/missions/{id}/claim", "draft_mission", None),
    ("worker", "POST", "/api/v1/assignments/{id}/release", "assignment", None),
    ("worker", "POST", "/api/v1/assignments/{id}/check-in", "assignment", POSITION),
    ("worker", "GET", "/api/v1/uploads/{id}", "upload", None),
    ("worker", "HEAD", "/api/v1/uploads/{id}", "upload", None),
    ("worker", "PATCH", "/api/v1/uploads/{id}", "upload", TUS_CHUNK),
    ("worker", "GET", "/api/v1/payout-requests/{id}", "payout_request", None),
]

# Routes only an admin reaches (admins see every object): an id nobody has.
ADMIN_REQUESTS: list[tuple[str, str, Body]] = [
    ("POST", "/api/v1/submissions/{id}/decision", {"decision": "approve"}),
    ("POST", "/api/v1/appeals/{id}/decision", {"decision": "approve"}),
    ("GET", "/api/v1/payout-requests/{id}", None),
    ("GET", "/api/v1/payout-batches/{id}", None),
    ("GET", "/api/v1/payout-batches/{id}/sepa.xml", None),
    ("POST", "/api/v1/payout-batches/{id}/mark-paid", None),
    ("GET", "/api/v1/admin/pipeline-checks/{id}", None),
    ("GET", "/api/v1/missions/{id}", None),
    ("GET", "/api/v1/brands/{id}/scorecard", None),
]


def ask(client, headers, method, path, body: Body) -> dict[str, Any]:
    """The 404's problem, or for HEAD (no body) its status line and problem headers."""
    if isinstance(body, Raw):
        response = client.open(path, method=method, data=body.data, headers=headers | body.headers)
    else:
        response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == 404, (method, path, response.status_code, response.json)
    assert response.mimetype == "application/problem+json", (method, path)
    if method == "HEAD":
        assert response.get_data() == b"", path
        return {"status": response.status_code, "type": response.mimetype}
    assert ONE_404.fullmatch(response.json["detail"]), (method, path, response.json)
    return response.json


def test_a_404_is_the_same_for_another_s_object_and_for_none_and_names_no_id(
    app, client, db, make, auth_headers, claim
):
    ids = world(app, client, db, claim)
    strangers = {
        "brand": auth_headers(make(UserFactory, brand_user=True)),
        "worker": auth_headers(make(UserFactory)),
    }
    for who, method, template, kind, body in REQUESTS:
        path = template.format(id=ids[kind])
        theirs = ask(client, strangers[who], method, path, body)
        nobody = str(uuid.uuid4())
        missing = ask(client, strangers[who], method, template.format(id=nobody), body)
        words = f"{theirs.get('title')} {theirs.get('detail')}"
        # No id but, at most, the one the caller typed: never another object's.
        assert set(UUID.findall(words)) <= {ids[kind]}, (path, theirs)
        same = {k: str(v).replace(ids[kind], "ID") for k, v in theirs.items()}
        assert same == {k: str(v).replace(nobody, "ID") for k, v in missing.items()}, path


def test_an_admin_s_404_for_an_unknown_id_is_the_one_404_and_names_no_id(
    client, make, auth_headers
):
    admin = auth_headers(make(UserFactory, admin=True))
    for method, template, body in ADMIN_REQUESTS:
        nobody = str(uuid.uuid4())
        missing = ask(client, admin, method, template.format(id=nobody), body)
        assert not UUID.findall(f"{missing['title']} {missing['detail']}"), (template, missing)
