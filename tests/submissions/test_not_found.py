"""A 404 says the same whether the object is missing or not the caller's, and names no id.

Walked over every kind of object a brand or a worker can ask for by id: what another brand
or another worker gets for a real object must equal what they get for an id nobody has,
and neither names any other object.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select

from backend.missions.models import Mission
from tests.factories import UserFactory
from tests.photos import jpeg, shelf
from tests.submissions.conftest import submit, validate_now

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
POSITION = {"latitude": 50.8467, "longitude": 4.3525, "accuracy_m": 5.0}


def world(app, client, db, claim) -> dict[str, str]:
    """One claimed mission's ids, with an approved submission and its photo."""
    claimed = claim()
    response = submit(client, claimed, [jpeg(shelf(seed=51))])
    assert response.status_code == 202, response.json
    submission_id = response.json["submission_id"]
    validate_now(app, db, submission_id)
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=claimed.headers).json
    assert shown["status"] == "approved"
    with db.transaction(write=False) as session:
        campaign_id = session.scalar(
            select(Mission.campaign_id).where(Mission.id == claimed.mission_id)
        )
    return {
        "campaign": str(campaign_id),
        "mission": claimed.mission_id,
        "assignment": claimed.assignment_id,
        "submission": submission_id,
        "photo": shown["photos"][0]["id"],
    }


# (who asks, method, path with {id}, the object it names, JSON body)
REQUESTS: list[tuple[str, str, str, str, dict[str, Any] | None]] = [
    ("brand", "GET", "/api/v1/photos/{id}", "photo", None),
    ("brand", "GET", "/api/v1/submissions/{id}", "submission", None),
    ("brand", "GET", "/api/v1/campaigns/{id}", "campaign", None),
    ("brand", "GET", "/api/v1/campaigns/{id}/results", "campaign", None),
    ("brand", "POST", "/api/v1/campaigns/{id}/publish", "campaign", None),
    ("brand", "POST", "/api/v1/campaigns/{id}/cancel", "campaign", None),
    ("brand", "POST", "/api/v1/missions/{id}/reopen", "mission", None),
    ("worker", "GET", "/api/v1/photos/{id}", "photo", None),
    ("worker", "GET", "/api/v1/submissions/{id}", "submission", None),
    ("worker", "GET", "/api/v1/submissions/{id}/uploads", "submission", None),
    ("worker", "POST", "/api/v1/submissions/{id}/appeal", "submission", {"message": "Mine."}),
    ("worker", "GET", "/api/v1/missions/{id}", "mission", None),
    ("worker", "POST", "/api/v1/assignments/{id}/release", "assignment", None),
    ("worker", "POST", "/api/v1/assignments/{id}/check-in", "assignment", POSITION),
]


def ask(client, headers, method, path, body):
    response = client.open(path, method=method, json=body, headers=headers)
    assert response.status_code == 404, (path, response.status_code, response.json)
    assert response.mimetype == "application/problem+json"
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
        words = f"{theirs['title']} {theirs['detail']}"
        # No id but, at most, the one the caller typed: never another object's.
        assert set(UUID.findall(words)) <= {ids[kind]}, (path, theirs)
        same = {k: str(v).replace(ids[kind], "ID") for k, v in theirs.items()}
        assert same == {k: str(v).replace(nobody, "ID") for k, v in missing.items()}, path
