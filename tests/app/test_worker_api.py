"""What the app reads that the API had no call for: one assignment with its store and task
(GET /assignments/{id}), the store in each listed assignment, and the worker's own
submissions (GET /me/submissions), newest first, a page at a time."""

from __future__ import annotations

from typing import Any

from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import SKUS, submit


def test_one_assignment_with_its_store_and_task_for_its_worker_only(
    client: Any, make: Any, claim: Any, auth_headers: Any
) -> None:
    claimed = claim()
    answer = client.get(f"/api/v1/assignments/{claimed.assignment_id}", headers=claimed.headers)
    assert answer.status_code == 200, answer.json
    shown = answer.json
    assert shown["id"] == claimed.assignment_id
    assert shown["mission_id"] == claimed.mission_id
    assert shown["status"] == "active"
    assert set(shown["store"]) == {"id", "name", "address", "latitude", "longitude"}
    assert [p["sku"] for p in shown["task"]["products"]] == list(SKUS)
    listed = client.get("/api/v1/me/assignments", headers=claimed.headers).json["items"]
    assert listed[0]["store"] == shown["store"]
    other = auth_headers(make(UserFactory))
    path = f"/api/v1/assignments/{claimed.assignment_id}"
    assert client.get(path, headers=other).status_code == 404
    assert client.get("/api/v1/assignments/nope", headers=claimed.headers).status_code == 404


def test_a_worker_lists_their_own_submissions_newest_first(
    client: Any, make: Any, claim: Any, auth_headers: Any
) -> None:
    worker = make(UserFactory)
    made = []
    for seed in (1, 2, 3):
        claimed = claim(worker=worker)
        answer = submit(client, claimed, [jpeg(shelf(seed=seed))])
        assert answer.status_code == 202, answer.json
        made.append((answer.json["submission_id"], claimed.assignment_id))
    headers = auth_headers(worker)
    first = client.get("/api/v1/me/submissions?limit=2", headers=headers).json
    rest = client.get(
        f"/api/v1/me/submissions?limit=2&cursor={first['next_cursor']}", headers=headers
    ).json
    assert rest["next_cursor"] is None
    listed = first["items"] + rest["items"]
    assert [(s["id"], s["assignment_id"]) for s in listed] == made[::-1]
    assert {s["status"] for s in listed} == {"received"}
    assert {s["outcome"] for s in listed} == {"completed"}
    stranger = auth_headers(make(UserFactory))
    assert client.get("/api/v1/me/submissions", headers=stranger).json["items"] == []
    bad = client.get("/api/v1/me/submissions?cursor=nonsense", headers=headers)
    assert bad.status_code == 422
    assert "cursor" in bad.json["errors"]
