"""A worker sees the whole task: on the mission, in the claim answer, in their assignments;
the nearby list in counts. A worker who follows only what the mission says is approved."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from unittest.mock import ANY

import pytest

from backend.campaigns import forms
from backend.kernel.clock import utcnow
from backend.marketplace import service
from tests.support.factories import BrandFactory, StoreFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import multipart, validate_now
from tests.support.world import build

STORE = (50.8467, 4.3525)
THREE_KM = (50.8737, 4.3525)  # 40 minutes on foot
PRODUCTS = [
    {"sku": "ST-ULTRA-14", "name": "Ultra thin, 14 pack"},
    {"sku": "ST-NIGHT-10", "name": "Night, 10 pack"},
    {"sku": "ST-ORGANIC-12", "name": "Organic cotton, 12 pack"},
]
PHOTO_INSTRUCTIONS = "The whole shelf, edge to edge, then the price labels up close."
INSTRUCTIONS = "Count the facings of each product and flag any out of stock."
TASK = {
    "products": sorted(PRODUCTS, key=lambda p: p["sku"]),
    "counting": ANY,  # the same words for every task: below
    "questions": forms.default_questions(),  # no questions given: today's products
    "photos_required": 2,
    "photo_instructions": PHOTO_INSTRUCTIONS,
    "instructions": INSTRUCTIONS,
}
# What GET /missions/{id} said before it carried the task; none of it may go.
MISSION_FIELDS = {
    "id",
    "status",
    "store",
    "distance_m",
    "reward",
    "bonus",
    "est_minutes",
    "estimate",
    "brand",
    "ends_at",
    "effective_hourly_rate",
    "campaign_id",
    "campaign_name",
    "instructions",
}


def campaign_body(store_ids, **overrides):
    now = datetime.now(UTC)
    return {
        "name": "Sanitary towels shelf audit",
        "instructions": INSTRUCTIONS,
        "photo_instructions": PHOTO_INSTRUCTIONS,
        "products": PRODUCTS,
        "photos_required": 2,
        "reward": {"amount_minor": 600, "currency": "EUR"},
        "est_minutes": 15,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        "store_ids": store_ids,
    } | overrides


@pytest.fixture
def brand(make, auth_headers):
    """A brand user's headers and one of its stores."""
    user = make(UserFactory, brand_user=True)
    store = make(
        StoreFactory,
        brand_id=user.brand_id,
        name="Delhaize Brussels 1",
        address="Brussels, demo street 1",
        latitude=STORE[0],
        longitude=STORE[1],
    )
    return auth_headers(user), store


@pytest.fixture
def published(client, brand):
    """A campaign the brand created and published over HTTP: one open mission."""
    headers, store = brand
    created = client.post("/api/v1/campaigns", json=campaign_body([store.id]), headers=headers)
    assert created.status_code == 201, created.json
    published = client.post(f"/api/v1/campaigns/{created.json['id']}/publish", headers=headers)
    assert published.status_code == 200, published.json
    return created.json["id"]


@pytest.fixture
def worker(make, auth_headers):
    return auth_headers(make(UserFactory))


def nearby(client, headers, position=STORE):
    response = client.get(
        "/api/v1/missions/nearby",
        query_string={"latitude": position[0], "longitude": position[1], "radius_m": 5000},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_a_campaign_takes_and_shows_photo_instructions(client, brand):
    headers, store = brand
    created = client.post("/api/v1/campaigns", json=campaign_body([store.id]), headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["photo_instructions"] == PHOTO_INSTRUCTIONS
    shown = client.get(f"/api/v1/campaigns/{created.json['id']}", headers=headers).json
    assert shown["photo_instructions"] == PHOTO_INSTRUCTIONS
    listed = client.get("/api/v1/campaigns", headers=headers).json["items"]
    assert [c["photo_instructions"] for c in listed] == [PHOTO_INSTRUCTIONS]
    # Optional: left out, null or blank, there are none.
    for absent in ({}, {"photo_instructions": None}, {"photo_instructions": "  "}):
        body = campaign_body([store.id]) | absent
        if not absent:
            del body["photo_instructions"]
        response = client.post("/api/v1/campaigns", json=body, headers=headers)
        assert response.status_code == 201, (absent, response.json)
        assert response.json["photo_instructions"] is None
    too_long = campaign_body([store.id], photo_instructions="x" * 2001)
    response = client.post("/api/v1/campaigns", json=too_long, headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "photo_instructions" in json.dumps(response.json["errors"])


def test_the_mission_detail_carries_the_whole_task_and_what_a_claim_holds(
    client, brand, published, worker
):
    _headers, store = brand
    (item,) = nearby(client, worker)
    url = f"/api/v1/missions/{item['id']}"
    position = {"latitude": THREE_KM[0], "longitude": THREE_KM[1]}
    far = client.get(url, headers=worker, query_string=position)
    assert far.status_code == 200, far.json
    shown = far.json
    assert set(shown) >= MISSION_FIELDS
    assert shown["task"] == TASK
    counting = shown["task"]["counting"]
    assert counting["unit"] == "facing"
    assert "front row" in counting["definition"]
    assert "out_of_stock" in counting["answer"]
    assert shown["task_summary"] == {"products": 3, "questions": 3, "photos_required": 2}
    assert shown["store"] == {
        "id": store.id,
        "name": "Delhaize Brussels 1",
        "address": "Brussels, demo street 1",
        "latitude": STORE[0],
        "longitude": STORE[1],
    }
    assert shown["reward"] == {"amount_minor": 600, "currency": "EUR"}
    assert shown["est_minutes"] == 15
    assert shown["effective_hourly_rate"] == {"amount_minor": 654, "currency": "EUR"}
    assert shown["campaign_id"] == published
    # The claim would hold for the walk there (40 min), the store (15) and the buffer (60).
    assert shown["claim_window"] == {
        "travel_minutes": 40,
        "in_store_minutes": 15,
        "buffer_minutes": 60,
        "total_minutes": 115,
    }
    # Without a position no travel is allowed for, as in the claim itself.
    blind = client.get(url, headers=worker).json
    assert blind["claim_window"] == {
        "travel_minutes": 0,
        "in_store_minutes": 15,
        "buffer_minutes": 60,
        "total_minutes": 75,
    }
    assert blind["task"] == TASK


def test_the_claim_answer_and_my_assignments_carry_the_task(client, published, worker):
    (item,) = nearby(client, worker)
    claimed = client.post(f"/api/v1/missions/{item['id']}/claim", headers=worker)
    assert claimed.status_code == 201, claimed.json
    assert {"assignment_id", "mission_id", "expires_at", "window"} <= set(claimed.json)
    assert claimed.json["mission_id"] == item["id"]
    assert claimed.json["task"] == TASK
    mine = client.get("/api/v1/me/assignments", headers=worker)
    assert mine.status_code == 200
    (assignment,) = mine.json["items"]
    assert assignment["id"] == claimed.json["assignment_id"]
    assert assignment["mission_id"] == item["id"]
    assert assignment["status"] == "active"
    assert assignment["task"] == TASK
    # What the worker holds, they may still read in full.
    held = client.get(f"/api/v1/missions/{item['id']}", headers=worker)
    assert held.status_code == 200
    assert held.json["status"] == "claimed"
    assert held.json["task"] == TASK


def test_nearby_items_carry_the_task_in_counts_of_their_own_campaign(client, db, make, worker):
    brand = make(BrandFactory)
    _none, (bare,) = build(db, brand.id, [STORE])
    _one, (single,) = build(db, brand.id, [(50.8470, 4.3525)], skus=("A",))
    points = [(50.8480, 4.3525), (50.8490, 4.3525)]
    _three, three = build(db, brand.id, points, skus=("A", "B", "C"))
    items = {item["id"]: item["task_summary"] for item in nearby(client, worker)}
    assert items == {
        bare: {"products": 0, "questions": 3, "photos_required": 1},
        single: {"products": 1, "questions": 3, "photos_required": 1},
        three[0]: {"products": 3, "questions": 3, "photos_required": 1},
        three[1]: {"products": 3, "questions": 3, "photos_required": 1},
    }
    detail = client.get(f"/api/v1/missions/{three[0]}", headers=worker).json
    assert detail["task_summary"] == items[three[0]]
    assert [p["sku"] for p in detail["task"]["products"]] == ["A", "B", "C"]


def test_nearby_counts_products_in_one_statement_for_the_page(db, make, backend_name):
    if backend_name != "sqlite":
        pytest.skip("SQLite's driver traces every statement it runs")
    brand = make(BrandFactory)
    for i in range(5):
        build(db, brand.id, [(STORE[0] + i * 1e-3, STORE[1])] * 4, skus=("A", "B"))
    statements = []
    with db.transaction(write=False) as session:
        connection = session.connection().connection.driver_connection
        connection.set_trace_callback(statements.append)
        try:
            found = service.nearby_missions(
                db_session=session,
                latitude=STORE[0],
                longitude=STORE[1],
                radius_m=5000,
                limit=20,
                now=utcnow(),
                worker_id=None,
            )
        finally:
            connection.set_trace_callback(None)
    assert len(found) == 20
    assert len({n.card.campaign_id for n in found}) == 5
    assert {n.products for n in found} == {2}
    assert len([s for s in statements if "campaign_products" in s]) == 1


def test_a_worker_who_follows_only_the_mission_detail_is_approved(
    app, client, db, published, worker
):
    (item,) = nearby(client, worker)
    mission = client.get(
        f"/api/v1/missions/{item['id']}",
        headers=worker,
        query_string={"latitude": STORE[0], "longitude": STORE[1]},
    ).json
    todo = mission["task"]
    claimed = client.post(
        f"/api/v1/missions/{mission['id']}/claim",
        json={"latitude": STORE[0], "longitude": STORE[1]},
        headers=worker,
    )
    assert claimed.status_code == 201, claimed.json
    # Everything below comes from the mission's answer: its store, products and photos.
    payload = {
        "outcome": "completed",
        "answers": [
            {"sku": product["sku"], "count": 4, "out_of_stock": False}
            for product in todo["products"]
        ],
        "latitude": mission["store"]["latitude"],
        "longitude": mission["store"]["longitude"] + 0.0002,  # about 15 m away
        "accuracy_m": 8.0,
        "captured_at": datetime.now(UTC).isoformat(),
    }
    photos = [jpeg(shelf(seed=40 + i)) for i in range(todo["photos_required"])]
    body, content_type = multipart(json.dumps(payload), photos)
    sent = client.post(
        f"/api/v1/assignments/{claimed.json['assignment_id']}/submission",
        data=body,
        headers=worker,
        content_type=content_type,
    )
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])
    shown = client.get(f"/api/v1/submissions/{sent.json['submission_id']}", headers=worker).json
    failed = [check for check in shown["checks"] if not check["passed"]]
    assert failed == []
    assert shown["status"] == "approved"
    (complete,) = [c for c in shown["checks"] if c["name"] == "answers_complete"]
    assert complete["detail"] == {"missing": [], "unknown": [], "repeated": []}
    (photos_check,) = [c for c in shown["checks"] if c["name"] == "photos_required"]
    assert photos_check["detail"] == {"sent": 2, "required": 2}


def test_the_openapi_document_describes_the_task(client):
    schemas = client.get("/openapi.json").json["components"]["schemas"]

    def fields(name):
        return set(schemas[name]["properties"])

    task_fields = {
        "products",
        "counting",
        "questions",
        "photos_required",
        "photo_instructions",
        "instructions",
    }
    assert fields("TaskOut") == task_fields
    assert fields("TaskSummaryOut") == {"products", "questions", "photos_required"}
    assert fields("CountingOut") == {"unit", "definition", "answer"}
    assert {"id", "type", "label", "per", "required", "options", "show_if"} == fields("QuestionOut")
    assert schemas["QuestionOut"]["properties"]["type"]["enum"] == [
        "count",
        "yes_no",
        "single_choice",
        "multiple_choice",
        "price",
        "text",
        "date",
        "photo",
        "barcode",
    ]
    assert schemas["QuestionOut"]["properties"]["per"]["enum"] == ["product", "store"]
    assert "task_summary" in fields("MissionOut")
    assert {"task", "claim_window"} <= fields("MissionDetailOut")
    assert "task" in fields("ClaimOut")
    assert "task" in fields("AssignmentTaskOut")
    assert "photo_instructions" in fields("CampaignIn")
    assert "photo_instructions" in fields("CampaignOut")
