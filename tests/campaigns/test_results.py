"""Campaign results: only approved evidence, exact aggregates, three formats, no worker trace."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select, update

from backend.campaigns import aggregates, forms
from backend.campaigns.models import CampaignProduct
from backend.kernel import links as links_rules
from backend.ledger.service import fund_campaign
from backend.missions.models import Mission
from backend.settings import settings_of
from backend.stores.models import Store
from backend.submissions.models import Photo
from backend.submissions.results import CSV_HEADER, csv_header, csv_lines
from backend.submissions.rules import ERASED_SHA256
from tests.support.campaigns import (
    CAPTURED,
    DECIDED,
    RECEIVED,
    WORKER_AT,
    decide,
    euros,
    evidence,
)
from tests.support.factories import UserFactory
from tests.support.statements import statements
from tests.support.world import build, insert_submission

POINTS = [(50.85, 4.35), (51.5, -0.12), (48.85, 2.35), (52.37, 4.89), (41.39, 2.17), (45.46, 9.19)]
FORMULA_NAME = '=HYPERLINK("http://evil.example","open me")'
PHONE_ADDRESS = "+32 2 123 45 67"


def answer(sku: str, count: int, out_of_stock: bool = False, price: Any = None) -> dict[str, Any]:
    return {"sku": sku, "count": count, "out_of_stock": out_of_stock, "price": price}


@dataclass
class World:
    campaign_id: str
    missions: list[str]
    submissions: list[str]
    photos: list[list[str]]
    brand: Any
    headers: dict[str, str]
    worker: Any


# Per mission, in order: three counted and approved, one closed store approved, one
# rejected (must count for nothing); the sixth store has no submission.
EVIDENCE: list[tuple[str, list[dict[str, Any]], str]] = [
    ("completed", [answer("A-1", 4, price=euros(199)), answer("B-2", 0, True)], "approved"),
    ("completed", [answer("A-1", 7), answer("B-2", 2)], "approved"),
    ("completed", [answer("A-1", 9), answer("B-2", 5)], "approved"),
    ("store_closed", [], "approved"),
    ("completed", [answer("A-1", 100), answer("B-2", 50, True)], "rejected"),
]


def fund_and_name(db: Any, campaign_id: str, first_mission: str) -> None:
    """Fund every mission's reward; give a product a name and the first store hostile text."""
    with db.transaction() as session:
        fund_campaign(
            db_session=session,
            campaign_id=campaign_id,
            amount_minor=600 * len(POINTS),
            currency="EUR",
            now=CAPTURED - timedelta(days=1),
        )
        session.execute(
            update(CampaignProduct)
            .where(CampaignProduct.campaign_id == campaign_id, CampaignProduct.sku == "A-1")
            .values(name="Ultra Pads")
        )
        store_id = session.scalar(select(Mission.store_id).where(Mission.id == first_mission))
        session.execute(
            update(Store)
            .where(Store.id == store_id)
            .values(name=FORMULA_NAME, address=PHONE_ADDRESS, external_ref="BE-0001")
        )


@pytest.fixture
def world(db, make, auth_headers) -> World:
    """Six stores at POINTS, with the EVIDENCE decided as it says."""
    brand = make(UserFactory, brand_user=True)
    worker = make(UserFactory)
    campaign_id, missions = build(db, brand.brand_id, POINTS, skus=("A-1", "B-2"), reward=600)
    fund_and_name(db, campaign_id, missions[0])
    submissions, photos = [], []
    for index, (outcome, answers, decision) in enumerate(EVIDENCE):
        submission_id, photo_ids = evidence(
            db,
            mission_id=missions[index],
            worker_id=worker.id,
            brand_id=brand.brand_id,
            outcome=outcome,
            answers=answers,
            photos=2 if index == 0 else 1,
        )
        decide(db, submission_id, decision)
        submissions.append(submission_id)
        photos.append(photo_ids)
    return World(campaign_id, missions, submissions, photos, brand, auth_headers(brand), worker)


def paths(photos):
    """Photo objects with each link cut to its path: signatures and expiries vary by the
    second (tests/submissions/test_photo_links.py checks them)."""
    return [
        {k: v.split("?")[0] if k.endswith("url") and v else v for k, v in photo.items()}
        for photo in photos
    ]


def results(client, world, fmt=None, headers=None):
    query = {"format": fmt} if fmt else {}
    return client.get(
        f"/api/v1/campaigns/{world.campaign_id}/results",
        query_string=query,
        headers=headers or world.headers,
    )


def test_json_aggregates_are_exact(client, world):
    response = results(client, world)
    assert response.status_code == 200, response.json
    assert response.json["campaign_id"] == world.campaign_id
    figures = response.json["aggregates"]
    assert figures["coverage"] == {"missions": 6, "with_results": 4, "ratio": pytest.approx(4 / 6)}
    a1, b2 = figures["products"]
    # Approved counts: A-1 4, 7, 9 (none out); B-2 0 (out), 2, 5. The rejected 100/50 and
    # the closed store count for nothing.
    assert a1 == {
        "sku": "A-1",
        "name": "Ultra Pads",
        "answers": 3,
        "out_of_stock": 0,
        "out_of_stock_rate": 0.0,
        "median_facings": 7.0,
    }
    assert (b2["sku"], b2["answers"], b2["out_of_stock"]) == ("B-2", 3, 1)
    assert (b2["out_of_stock_rate"], b2["median_facings"]) == (pytest.approx(1 / 3), 2.0)
    assert figures["spend"] == {
        "funded": euros(6 * 600),
        # Three audits at their reward, and the closed store at its show-up pay (half).
        "spent": euros(3 * 600 + 300),
        "remaining": euros(6 * 600 - (3 * 600 + 300)),
    }


def test_json_items_hold_only_approved_results(client, world):
    response = results(client, world)
    items = {item["mission_id"]: item for item in response.json["items"]}
    assert len(items) == 6
    first = items[world.missions[0]]
    assert first["mission_status"] == "completed"
    assert first["store"] | {"id": None} == {
        "id": None,
        "name": FORMULA_NAME,
        "address": PHONE_ADDRESS,
        "external_ref": "BE-0001",
        "latitude": 50.85,
        "longitude": 4.35,
    }
    result = first["result"]
    assert (result["submission_id"], result["outcome"]) == (world.submissions[0], "completed")
    assert result["answers"] == [
        {"sku": "A-1", "product_name": "Ultra Pads", "count": 4, "out_of_stock": False}
        | {"price": euros(199)},
        {"sku": "B-2", "product_name": "B-2", "count": 0, "out_of_stock": True, "price": None},
    ]
    assert [p["url"] for p in paths(result["photos"])] == [
        f"/api/v1/photos/{p}" for p in world.photos[0]
    ]
    assert all("signature=" in p["thumbnail_url"] for p in result["photos"])
    times = [
        datetime.fromisoformat(result[k]) for k in ("captured_at", "received_at", "decided_at")
    ]
    assert times == [CAPTURED, RECEIVED, DECIDED]
    closed = items[world.missions[3]]["result"]
    assert (closed["outcome"], closed["answers"]) == ("store_closed", [])
    rejected, untouched = items[world.missions[4]], items[world.missions[5]]
    # A rejection reopened the mission for another worker; nothing of it reaches the brand.
    assert (rejected["mission_status"], rejected["result"]) == ("open", None)
    assert (untouched["mission_status"], untouched["result"]) == ("open", None)
    assert world.submissions[4] not in response.text
    assert world.photos[4][0] not in response.text


def test_csv_is_a_row_per_store_and_product_with_formulas_defused(client, world):
    response = results(client, world, "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = csv.reader(io.StringIO(response.get_data(as_text=True)))
    # Today's columns, then one per question of the form (the default one here).
    header = csv_header(forms.default_questions())
    assert header[: len(CSV_HEADER)] == CSV_HEADER
    assert tuple(next(reader)) == header
    rows = [dict(zip(header, cells, strict=True)) for cells in reader]
    assert len(rows) == 6 * 2
    by_key = {(r["mission_id"], r["sku"]): r for r in rows}
    first = by_key[(world.missions[0], "A-1")]
    assert first["store_name"] == "'" + FORMULA_NAME
    assert first["store_address"] == "'" + PHONE_ADDRESS
    assert (first["product_name"], first["count"], first["out_of_stock"]) == (
        "Ultra Pads",
        "4",
        "false",
    )
    assert (first["price_amount_minor"], first["price_currency"]) == ("199", "EUR")
    # Whole URLs: a spreadsheet opens them from wherever it is kept.
    assert [u.split("?")[0] for u in first["photo_urls"].split()] == [
        f"http://localhost/api/v1/photos/{p}" for p in world.photos[0]
    ]
    assert datetime.fromisoformat(first["decided_at"]) == DECIDED
    assert by_key[(world.missions[0], "B-2")]["out_of_stock"] == "true"
    # A western longitude is a number, not a formula: it is left as it is.
    assert by_key[(world.missions[1], "A-1")]["store_longitude"] == "-0.12"
    closed = by_key[(world.missions[3], "A-1")]
    assert (closed["outcome"], closed["count"], closed["out_of_stock"]) == ("store_closed", "", "")
    rejected = by_key[(world.missions[4], "B-2")]
    assert [rejected[k] for k in ("mission_status", "outcome", "count", "photo_urls")] == [
        "open",
        "",
        "",
        "",
    ]


def test_csv_lines_come_one_at_a_time(app, db, world):
    from backend.accounts.models import User
    from backend.submissions.results import campaign_results

    with db.transaction(write=False) as session:
        found = campaign_results(
            db_session=session,
            user=session.get_one(User, world.brand.id),
            campaign_id=world.campaign_id,
        )
    lines = csv_lines(found)
    assert not isinstance(lines, (str, list))
    assert next(lines).startswith("store_id,store_name,")
    assert sum(1 for _ in lines) == 12


def test_geojson_is_store_points_longitude_first(client, world):
    response = results(client, world, "geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    collection = json.loads(response.get_data(as_text=True))
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["mission_id"]: f for f in collection["features"]}
    assert len(features) == 6
    for mission_id, (lat, lon) in zip(world.missions, POINTS, strict=True):
        geometry = features[mission_id]["geometry"]
        assert geometry == {"type": "Point", "coordinates": [lon, lat]}
    first = features[world.missions[0]]["properties"]
    assert first["store_name"] == FORMULA_NAME
    assert first["mission_status"] == "completed"
    assert [a["count"] for a in first["result"]["answers"]] == [4, 0]
    assert len(first["result"]["photos"]) == 2
    assert datetime.fromisoformat(first["result"]["captured_at"]) == CAPTURED
    assert features[world.missions[4]]["properties"]["result"] is None


def test_no_format_names_or_locates_the_worker(client, world):
    for fmt in ("json", "csv", "geojson"):
        text = results(client, world, fmt).get_data(as_text=True)
        assert world.worker.id not in text, fmt
        assert "worker" not in text, fmt
        for digits in ("1234567", "7654321", "accuracy"):
            assert digits not in text, (fmt, digits)


def test_only_the_brand_and_admins_see_results(client, make, auth_headers, world):
    other = auth_headers(make(UserFactory, brand_user=True))
    for fmt in ("json", "csv", "geojson"):
        assert results(client, world, fmt, headers=other).status_code == 404
    assert results(client, world, headers=auth_headers(world.worker)).status_code == 403
    admin = auth_headers(make(UserFactory, admin=True))
    assert results(client, world, "csv", headers=admin).status_code == 200
    missing = client.get(f"/api/v1/campaigns/{uuid.uuid4()}/results", headers=world.headers)
    assert missing.status_code == 404
    bad = results(client, world, "xlsx")
    assert bad.status_code == 422
    assert list(bad.json["errors"]) == ["format"]


def test_the_latest_approval_of_a_mission_stands(client, db, world):
    later, _photos = evidence(
        db,
        mission_id=world.missions[1],
        worker_id=world.worker.id,
        brand_id=world.brand.brand_id,
        answers=[answer("A-1", 8), answer("B-2", 3)],
    )
    decide(db, later, "approved", now=DECIDED + timedelta(hours=1))
    body = results(client, world).json
    assert len(body["items"]) == 6
    shown = next(i for i in body["items"] if i["mission_id"] == world.missions[1])
    assert shown["result"]["submission_id"] == later
    assert body["aggregates"]["coverage"]["with_results"] == 4
    assert body["aggregates"]["products"][0]["median_facings"] == 8.0  # 4, 8, 9


def test_of_a_stores_approved_visits_the_latest_captured_stands(client, db, world):
    # An appeal granted after the mission was redone approves an earlier visit last.
    earlier, _photos = insert_submission(
        db,
        mission_id=world.missions[1],
        worker_id=world.worker.id,
        brand_id=world.brand.brand_id,
        answers=[answer("A-1", 1), answer("B-2", 1)],
        at=WORKER_AT,
        captured_at=CAPTURED - timedelta(hours=1),
        photos=1,
    )
    decide(db, earlier, "approved", now=DECIDED + timedelta(days=1))
    for fmt in ("json", "geojson"):
        body = results(client, world, fmt).json
        rows = body["items"] if fmt == "json" else [f["properties"] for f in body["features"]]
        assert len(rows) == 6  # one row per store
        shown = next(r for r in rows if r["mission_id"] == world.missions[1])
        assert shown["result"]["submission_id"] == world.submissions[1]
        assert datetime.fromisoformat(shown["result"]["captured_at"]) == CAPTURED
    lines = list(csv.DictReader(io.StringIO(results(client, world, "csv").text)))
    assert len(lines) == 6 * 2  # a row per store and product
    assert {r["count"] for r in lines if r["mission_id"] == world.missions[1]} == {"7", "2"}


def test_an_erased_workers_photos_are_marked_erased_not_linked(client, db, world):
    gone, kept = world.photos[0]
    with db.transaction() as session:
        # What erasure leaves of a photo (privacy.service): the row, its digest overwritten.
        session.execute(update(Photo).where(Photo.id == gone).values(sha256=ERASED_SHA256))
    expected = [
        {"id": gone, "position": 0, "erased": True}
        | dict.fromkeys(("url", "review_url", "thumbnail_url")),
        {"id": kept, "position": 1, "erased": False}
        | dict.fromkeys(("url", "review_url", "thumbnail_url"), f"/api/v1/photos/{kept}"),
    ]
    body = results(client, world).json
    shown = next(i for i in body["items"] if i["mission_id"] == world.missions[0])
    assert paths(shown["result"]["photos"]) == expected
    features = results(client, world, "geojson").json["features"]
    feature = next(f for f in features if f["id"] == world.missions[0])
    exported = [
        photo | {k: v and f"http://localhost{v}" for k, v in photo.items() if k.endswith("url")}
        for photo in expected
    ]
    assert paths(feature["properties"]["result"]["photos"]) == exported
    lines = list(csv.DictReader(io.StringIO(results(client, world, "csv").text)))
    first = next(r for r in lines if r["mission_id"] == world.missions[0])
    assert (first["photo_urls"].split("?")[0], first["photos_erased"]) == (
        f"http://localhost/api/v1/photos/{kept}",
        "1",
    )
    other = next(r for r in lines if r["mission_id"] == world.missions[1])
    assert other["photos_erased"] == "0"
    untouched = next(r for r in lines if r["mission_id"] == world.missions[5])
    assert untouched["photos_erased"] == ""  # no result, nothing to count


def test_results_take_the_same_few_queries_whatever_the_number_of_stores(client, db, world):
    with statements(db) as seen:
        assert results(client, world).status_code == 200
    assert sum("FROM missions" in s for s in seen) == 1
    assert sum("FROM photos" in s for s in seen) == 1
    assert sum("FROM ledger_entries" in s for s in seen) == 1
    assert len(seen) <= 10


def test_aggregate_arithmetic():
    assert aggregates.median([]) is None
    assert aggregates.median([3]) == 3.0
    assert aggregates.median([1, 4]) == 2.5
    assert aggregates.median([9, 1, 5]) == 5.0
    assert aggregates.ratio(1, 0) is None
    assert aggregates.coverage(missions=0, with_results=0)["ratio"] == 0.0
    figures = aggregates.product_figures(
        [("A", "a"), ("B", "b")],
        [
            [{"sku": "A", "count": 0, "out_of_stock": True}, {"sku": "Z", "count": 5}],
            [{"sku": "A", "count": 3, "out_of_stock": False}, {"sku": "B", "count": None}],
        ],
    )
    assert figures[0] | {"name": "a"} == {
        "sku": "A",
        "name": "a",
        "answers": 2,
        "out_of_stock": 1,
        "out_of_stock_rate": 0.5,
        "median_facings": 1.5,
    }
    assert (figures[1]["answers"], figures[1]["out_of_stock_rate"]) == (0, None)
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert aggregates.csv_safe(dangerous) == "'" + dangerous
    assert aggregates.csv_safe("Store 1") == "Store 1"
    assert aggregates.csv_safe(-0.12) == -0.12
    assert aggregates.csv_safe(None) is None


def test_exported_photo_links_are_whole_urls_signed_to_open_without_a_token(client, world):
    lines = list(csv.DictReader(io.StringIO(results(client, world, "csv").text)))
    links = [u for line in lines for u in line["photo_urls"].split()]
    features = results(client, world, "geojson").json["features"]
    links += [
        p["thumbnail_url"]
        for f in features
        if f["properties"]["result"]
        for p in f["properties"]["result"]["photos"]
    ]
    assert links
    key = settings_of(client.application).secret_key.encode()
    for link in links:
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc) == ("http", "localhost")
        photo_id = parts.path.removeprefix("/api/v1/photos/")
        query = dict(parse_qsl(parts.query))
        assert links_rules.verified(key, photo_id, query, now=time.time()) is not None
