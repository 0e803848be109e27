"""Mission forms end to end: a campaign asks every question type with a condition, workers
see it in the task, bad answers are 422 naming the question, and an approved submission's
results carry every answer in JSON, CSV and GeoJSON. Today's answers keep working."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backend import migrate
from backend.campaigns import forms
from backend.campaigns.models import Campaign
from backend.submissions.results import CSV_HEADER, csv_header
from tests.support.campaigns import campaign_body, euros
from tests.support.factories import StoreFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import multipart, validate_now
from tests.support.world import build

STORE = (50.8467, 4.3525)
QUESTIONS = [
    {"id": "count", "type": "count", "label": "Facings", "per": "product", "required": True},
    {"id": "out_of_stock", "type": "yes_no", "label": "Out of stock", "required": True},
    {
        "id": "empty_shelf",
        "type": "photo",
        "label": "A photo of the empty shelf",
        "required": True,
        "show_if": {"question_id": "out_of_stock", "equals": True},
    },
    {"id": "price", "type": "price", "label": "Shelf price"},
    {"id": "barcode", "type": "barcode", "label": "Barcode on the label", "required": True},
    {
        "id": "display",
        "type": "single_choice",
        "label": "Where is the range?",
        "per": "store",
        "required": True,
        "options": ["gondola", "end cap", "none"],
    },
    {
        "id": "promos",
        "type": "multiple_choice",
        "label": "Promotions seen",
        "per": "store",
        "options": ["leaflet", "price cut", "bundle"],
    },
    {"id": "notes", "type": "text", "label": "Anything else", "per": "store"},
    {"id": "best_before", "type": "date", "label": "Earliest best-before", "per": "store"},
    {"id": "met", "type": "yes_no", "label": "Met the manager", "per": "store"},
    {
        "id": "manager",
        "type": "text",
        "label": "Their name",
        "per": "store",
        "required": True,
        "show_if": {"question_id": "met", "equals": True},
    },
]


def answer(question_id, value, sku=None):
    return {"question_id": question_id, "value": value} | ({"sku": sku} if sku else {})


GOOD = [
    answer("count", 4, "A-1"),
    answer("out_of_stock", False, "A-1"),
    answer("price", euros(199), "A-1"),
    answer("barcode", "4006381333931", "A-1"),
    answer("count", 0, "B-2"),
    answer("out_of_stock", True, "B-2"),
    answer("empty_shelf", 1, "B-2"),
    answer("barcode", "96385074", "B-2"),
    answer("display", "end cap"),
    answer("promos", ["leaflet", "bundle"]),
    answer("notes", "Tidy shelf"),
    answer("best_before", "2027-01-31"),
    answer("met", False),
]


def changed(question_id, value, sku=None):
    kept = [a for a in GOOD if (a["question_id"], a.get("sku")) != (question_id, sku)]
    return kept if value is None else [*kept, answer(question_id, value, sku)]


# One defect each, and the question it must be named by.
BAD = [
    (changed("count", "four", "A-1"), "count"),
    (changed("out_of_stock", 1, "A-1"), "out_of_stock"),
    (changed("empty_shelf", 2, "B-2"), "empty_shelf"),  # two photos: indexes 0 and 1
    (changed("empty_shelf", None, "B-2"), "empty_shelf"),  # out of stock: required
    ([*GOOD, answer("empty_shelf", 0, "A-1")], "empty_shelf"),  # in stock: not asked
    (changed("price", {"amount_minor": 199, "currency": "USD"}, "A-1"), "price"),
    (changed("barcode", "4006381333932", "A-1"), "barcode"),
    (changed("barcode", None, "B-2"), "barcode"),
    (changed("display", "shelf"), "display"),
    (changed("promos", ["leaflet", "gift"]), "promos"),
    (changed("notes", 42), "notes"),
    (changed("best_before", "2027-02-30"), "best_before"),
    ([*GOOD, answer("manager", "Ann")], "manager"),  # met is false: not asked
    ([*GOOD, answer("colour", "red")], "colour"),
]


@pytest.fixture
def brand(make, auth_headers):
    user = make(UserFactory, brand_user=True)
    store = make(StoreFactory, brand_id=user.brand_id, latitude=STORE[0], longitude=STORE[1])
    return auth_headers(user), store


@pytest.fixture
def worker(make, auth_headers):
    return auth_headers(make(UserFactory))


def create(client, headers, store_ids, **overrides):
    response = client.post(
        "/api/v1/campaigns", json=campaign_body(store_ids, **overrides), headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json


def publish(client, headers, campaign_id):
    response = client.post(f"/api/v1/campaigns/{campaign_id}/publish", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def claim(client, worker):
    (item,) = client.get(
        "/api/v1/missions/nearby",
        query_string={"latitude": STORE[0], "longitude": STORE[1], "radius_m": 5000},
        headers=worker,
    ).json["items"]
    claimed = client.post(
        f"/api/v1/missions/{item['id']}/claim",
        json={"latitude": STORE[0], "longitude": STORE[1]},
        headers=worker,
    )
    assert claimed.status_code == 201, claimed.json
    return item, claimed.json


def send(client, worker, assignment_id, answers, seed):
    payload = {
        "outcome": "completed",
        "answers": answers,
        "latitude": STORE[0],
        "longitude": STORE[1] + 0.0002,  # about 15 m away
        "accuracy_m": 8.0,
        "captured_at": datetime.now(UTC).isoformat(),
    }
    photos = [jpeg(shelf(seed=seed + i)) for i in range(2)]
    body, content_type = multipart(json.dumps(payload), photos)
    return client.post(
        f"/api/v1/assignments/{assignment_id}/submission",
        data=body,
        headers=worker,
        content_type=content_type,
    )


def results(client, headers, campaign_id, fmt):
    response = client.get(
        f"/api/v1/campaigns/{campaign_id}/results", query_string={"format": fmt}, headers=headers
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def by_question(answers):
    return {(a["question_id"], a.get("sku")): a["value"] for a in answers}


def test_a_form_of_every_type_is_asked_checked_and_exported(app, client, db, brand, worker):
    headers, store = brand
    created = create(client, headers, [store.id], questions=QUESTIONS)
    assert created["questions"] == forms.normal_questions(QUESTIONS)
    assert {q["type"] for q in created["questions"]} == set(forms.QUESTION_TYPES)
    assert created["form_minutes"] == 5  # 2 x 75 s per product and 95 s for the store
    publish(client, headers, created["id"])

    item, claimed = claim(client, worker)
    assert item["task_summary"] == {"products": 2, "questions": 11, "photos_required": 2}
    task = client.get(f"/api/v1/missions/{item['id']}", headers=worker).json["task"]
    assert task["questions"] == created["questions"]
    assert claimed["task"]["questions"] == created["questions"]

    for answers, question_id in BAD:
        refused = send(client, worker, claimed["assignment_id"], answers, seed=70)
        assert refused.status_code == 422, (question_id, refused.json)
        assert refused.json["code"] == "validation_error"
        assert list(refused.json["errors"]) == [f"answers.{question_id}"], refused.json

    # Nothing of the refused ones was kept: the claim still takes its submission.
    sent = send(client, worker, claimed["assignment_id"], GOOD, seed=80)
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])
    shown = client.get(f"/api/v1/submissions/{sent.json['submission_id']}", headers=worker).json
    assert shown["status"] == "approved", [c for c in shown["checks"] if not c["passed"]]
    assert by_question(shown["form_answers"]) == by_question(GOOD)
    assert shown["answers"] == [
        {"sku": "A-1", "count": 4, "out_of_stock": False, "price": euros(199)},
        {"sku": "B-2", "count": 0, "out_of_stock": True, "price": None},
    ]

    whole = results(client, headers, created["id"], "json").json
    assert whole["questions"] == created["questions"]
    (result,) = [i["result"] for i in whole["items"]]
    assert by_question(result["form_answers"]) == by_question(GOOD)
    assert [(a["sku"], a["count"], a["out_of_stock"]) for a in result["answers"]] == [
        ("A-1", 4, False),
        ("B-2", 0, True),
    ]
    photo_1 = next(p for p in result["photos"] if p["position"] == 1)

    text = results(client, headers, created["id"], "csv").get_data(as_text=True)
    reader = csv.reader(io.StringIO(text))
    header = tuple(next(reader))
    assert header == csv_header(created["questions"])
    assert header[len(CSV_HEADER) :] == tuple(f"answer.{q['id']}" for q in QUESTIONS)
    rows = {row["sku"]: row for row in (dict(zip(header, r, strict=True)) for r in reader)}
    first, second = rows["A-1"], rows["B-2"]
    assert [first[f"answer.{q}"] for q in ("count", "out_of_stock", "price", "barcode")] == [
        "4",
        "false",
        "199",
        "4006381333931",
    ]
    assert first["answer.empty_shelf"] == ""
    assert second["answer.empty_shelf"].split("?")[0].endswith(f"/api/v1/photos/{photo_1['id']}")
    assert [second[f"answer.{q}"] for q in ("count", "out_of_stock", "barcode")] == [
        "0",
        "true",
        "96385074",
    ]
    for row in (first, second):  # a question per store: the same on every row of the store
        assert json.loads(row["answer.promos"]) == ["leaflet", "bundle"]
        assert (row["answer.display"], row["answer.notes"]) == ("end cap", "Tidy shelf")
        assert (row["answer.best_before"], row["answer.met"], row["answer.manager"]) == (
            "2027-01-31",
            "false",
            "",
        )

    collection = json.loads(results(client, headers, created["id"], "geojson").get_data())
    (feature,) = collection["features"]
    assert by_question(feature["properties"]["result"]["form_answers"]) == by_question(GOOD)


def test_an_old_answer_on_a_default_form_works_end_to_end(app, client, db, brand, worker):
    headers, store = brand
    created = create(client, headers, [store.id])
    assert created["questions"] == forms.default_questions()
    assert created["form_minutes"] == 1
    publish(client, headers, created["id"])
    item, claimed = claim(client, worker)
    assert item["task_summary"]["questions"] == 3
    old = [
        {"sku": "A-1", "count": 4, "out_of_stock": False, "price": euros(250)},
        {"sku": "B-2", "count": 0, "out_of_stock": True},
    ]
    sent = send(client, worker, claimed["assignment_id"], old, seed=90)
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])
    shown = client.get(f"/api/v1/submissions/{sent.json['submission_id']}", headers=worker).json
    assert shown["status"] == "approved", [c for c in shown["checks"] if not c["passed"]]
    assert shown["answers"] == [old[0], old[1] | {"price": None}]
    expected = {
        ("count", "A-1"): 4,
        ("out_of_stock", "A-1"): False,
        ("price", "A-1"): euros(250),
        ("count", "B-2"): 0,
        ("out_of_stock", "B-2"): True,
    }
    assert by_question(shown["form_answers"]) == expected

    whole = results(client, headers, created["id"], "json").json
    (result,) = [i["result"] for i in whole["items"]]
    assert result["answers"][0] == {"sku": "A-1", "product_name": "Ultra"} | old[0]
    assert by_question(result["form_answers"]) == expected
    figures = {p["sku"]: p for p in whole["aggregates"]["products"]}
    assert (figures["A-1"]["median_facings"], figures["B-2"]["out_of_stock"]) == (4.0, 1)
    text = results(client, headers, created["id"], "csv").get_data(as_text=True)
    reader = csv.reader(io.StringIO(text))
    header = tuple(next(reader))
    rows = {row["sku"]: row for row in (dict(zip(header, r, strict=True)) for r in reader)}
    assert (rows["A-1"]["count"], rows["A-1"]["answer.count"], rows["A-1"]["answer.price"]) == (
        "4",
        "4",
        "250",
    )
    assert (rows["B-2"]["out_of_stock"], rows["B-2"]["answer.out_of_stock"]) == ("true", "true")
    collection = json.loads(results(client, headers, created["id"], "geojson").get_data())
    (feature,) = collection["features"]
    assert by_question(feature["properties"]["result"]["form_answers"]) == expected


def test_bad_questions_are_422_naming_index_and_field(client, brand):
    headers, store = brand
    later = {"question_id": "later", "equals": True}
    for questions, field in (
        ([{"id": "a", "type": "colour", "label": "A"}], "questions.0.type"),
        ([{"id": "a", "type": "single_choice", "label": "A"}], "questions.0.options"),
        (
            [
                {"id": "a", "type": "yes_no", "label": "A", "show_if": later},
                {"id": "later", "type": "yes_no", "label": "L"},
            ],
            "questions.0.show_if",
        ),
        ([{"id": "count", "type": "text", "label": "A"}], "questions.0.id"),
        ([{"id": "a", "type": "yes_no"}], "questions.0.label"),
    ):
        body = campaign_body([store.id], questions=questions)
        refused = client.post("/api/v1/campaigns", json=body, headers=headers)
        assert refused.status_code == 422, (field, refused.json)
        assert field in refused.json["errors"], (field, refused.json["errors"])
    draft = create(client, headers, [store.id])
    url = f"/api/v1/campaigns/{draft['id']}"
    bad = client.patch(url, json={"questions": [QUESTIONS[0], QUESTIONS[0]]}, headers=headers)
    assert bad.status_code == 422
    assert list(bad.json["errors"]) == ["questions.1.id"]
    edited = client.patch(url, json={"questions": QUESTIONS[:3]}, headers=headers)
    assert edited.status_code == 200, edited.json
    assert [q["id"] for q in edited.json["questions"]] == ["count", "out_of_stock", "empty_shelf"]
    publish(client, headers, draft["id"])
    fixed = client.patch(url, json={"questions": QUESTIONS}, headers=headers)
    assert fixed.status_code == 422
    assert list(fixed.json["errors"]) == ["questions"]


def test_pay_is_judged_on_the_longer_of_the_estimate_and_the_form(client, brand):
    headers, store = brand
    products = [{"sku": f"P-{i}", "name": f"P {i}"} for i in range(100)]

    def quote(**body):
        response = client.post("/api/v1/campaigns/quote", json=body, headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    short = quote(reward=euros(100), est_minutes=1)
    assert short["form_minutes"] == 1  # the default form over one product
    long = quote(reward=euros(100), est_minutes=1, products=products)
    assert long["form_minutes"] == 50  # 30 s a product
    assert (
        long["least_passing_reward"]
        == quote(reward=euros(100), est_minutes=50)["least_passing_reward"]
    )
    store_form = [{"id": "seen", "type": "yes_no", "label": "Seen", "per": "store"}]
    assert (
        quote(reward=euros(100), est_minutes=1, products=products, questions=store_form)[
            "form_minutes"
        ]
        == 1
    )
    bad = client.post(
        "/api/v1/campaigns/quote",
        json={"reward": euros(100), "est_minutes": 1, "questions": [{"id": "x", "type": "date"}]},
        headers=headers,
    )
    assert bad.status_code == 422
    assert "questions.0.label" in bad.json["errors"]

    least_short = short["least_passing_reward"]["amount_minor"]
    under = create(
        client, headers, [store.id], products=products, est_minutes=1, reward=euros(least_short)
    )
    assert under["form_minutes"] == 50
    refused = client.post(f"/api/v1/campaigns/{under['id']}/publish", headers=headers)
    assert refused.status_code == 422
    assert refused.json["code"] == "below_pay_floor"
    fair = create(
        client,
        headers,
        [store.id],
        products=products,
        est_minutes=1,
        reward=long["least_passing_reward"],
    )
    publish(client, headers, fair["id"])


def test_the_migration_gives_existing_campaigns_the_default_form(db, brand):
    _headers, store = brand
    campaign_id, _missions = build(db, store.brand_id, [STORE], skus=("A",))
    with db.transaction() as session:
        session.get_one(Campaign, campaign_id).questions = forms.normal_questions(QUESTIONS)
    migrate.downgrade(db, "0016")
    migrate.upgrade(db)
    with db.transaction(write=False) as session:
        kept = session.scalar(select(Campaign.questions).where(Campaign.id == campaign_id))
    assert kept == forms.default_questions()
