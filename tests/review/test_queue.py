"""The review queue as the console reads it: filters and counts, one item, and what each item
carries beside the submission (lease, the worker's record, products asked, matched photos)."""

from __future__ import annotations

from sqlalchemy import update

from backend.review.rules import LEVEL_RULE
from backend.submissions.models import Photo
from backend.validation import reuse
from tests.support.factories import BrandFactory, MissionFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.statements import statements
from tests.support.submitting import (
    BRUSSELS,
    SKUS,
    Claimed,
    honest_payload,
    submit,
    validate_now,
)

FAR = {"latitude": BRUSSELS[0] + 0.027}  # 3 km from the store: the location check doubts it


def queue(client, headers, **params):
    response = client.get("/api/v1/review/queue", headers=headers, query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def ids(page):
    return [item["id"] for item in page["items"]]


def another_brands_submission(app, client, db, make, auth_headers, seed):
    """A submission in review for a mission of a brand of its own."""
    brand = make(BrandFactory)
    mission = make(MissionFactory, brand_id=brand.id, skus=SKUS, review_required=True)
    worker = make(UserFactory)
    headers = auth_headers(worker)
    claimed = client.post(f"/api/v1/missions/{mission.id}/claim", headers=headers)
    assert claimed.status_code == 201, claimed.json
    response = submit(
        client,
        Claimed(claimed.json["assignment_id"], mission.id, worker, headers, brand.id, brand),
        [jpeg(shelf(seed=seed))],
    )
    assert response.status_code == 202, response.json
    validate_now(app, db, response.json["submission_id"])
    return brand.id, response.json["submission_id"]


def test_filters_combine_and_counts_follow_the_filter_in_force(
    app, client, db, make, auth_headers, in_review, admin
):
    routine = in_review()
    doubted = in_review(honest_payload(**FAR))
    other_brand, elsewhere = another_brands_submission(app, client, db, make, auth_headers, 77)
    headers = admin()
    everything = queue(client, headers)
    assert set(ids(everything)) == {routine.submission_id, doubted.submission_id, elsewhere}
    assert everything["counts"]["total"] == 3
    assert everything["counts"]["flagged"] == 1
    assert everything["counts"]["by_flag"] == {"campaign_requires_review": 2, "location": 1}

    by_campaign = {item["id"]: item["campaign"]["id"] for item in everything["items"]}
    one = queue(client, headers, campaign_id=by_campaign[routine.submission_id])
    assert ids(one) == [routine.submission_id]
    assert {k: one["counts"][k] for k in ("total", "flagged", "by_flag")} == {
        "total": 1,
        "flagged": 0,
        "by_flag": {"campaign_requires_review": 1},
    }

    brand = queue(client, headers, brand_id=other_brand)
    assert ids(brand) == [elsewhere]
    mine = queue(client, headers, brand_id=routine.claimed.brand_id)
    assert ids(mine) == [doubted.submission_id, routine.submission_id]

    located = queue(client, headers, flag="location")
    assert ids(located) == [doubted.submission_id]
    # `by_flag` leaves the flag filter out: it says what choosing each flag would list.
    assert {k: located["counts"][k] for k in ("total", "flagged", "by_flag")} == {
        "total": 1,
        "flagged": 1,
        "by_flag": {"campaign_requires_review": 2, "location": 1},
    }
    both = queue(client, headers, flag="location", brand_id=other_brand)
    assert both["items"] == []
    assert both["counts"]["total"] == 0
    assert queue(client, headers, flag="no_such_flag")["items"] == []
    # Paging keeps the filter.
    first = queue(client, headers, brand_id=routine.claimed.brand_id, limit=1)
    after = queue(
        client, headers, brand_id=routine.claimed.brand_id, limit=1, cursor=first["next_cursor"]
    )
    assert ids(first) + ids(after) == ids(mine)
    assert after["next_cursor"] is None


def test_filters_are_checked(client, admin):
    response = client.get("/api/v1/review/queue", headers=admin(), query_string={"flag": "x" * 65})
    assert response.status_code == 422
    assert "flag" in response.json["errors"]


def test_an_item_names_its_worker_with_their_record_and_the_products_asked(
    client, db, make, in_review, admin
):
    worker = make(UserFactory, display_name="Ana Worker")
    approved, rejected, waiting = (in_review(worker=worker) for _ in range(3))
    headers = admin()
    decision = "/api/v1/submissions/{}/decision"
    assert (
        client.post(
            decision.format(approved.submission_id), json={"decision": "approve"}, headers=headers
        ).status_code
        == 200
    )
    body = {"decision": "reject", "reason_code": "blurry_photo", "comment": "A blur."}
    assert (
        client.post(decision.format(rejected.submission_id), json=body, headers=headers).status_code
        == 200
    )
    (item,) = queue(client, headers)["items"]
    assert item["id"] == waiting.submission_id
    assert item["worker"] == {
        "id": worker.id,
        "display_name": "Ana Worker",
        "approved": 1,
        "rejected": 1,
        "level": "new",
    }
    assert item["products"] == [
        {"sku": "PAD-1", "name": "PAD-1"},
        {"sku": "PAD-2", "name": "PAD-2"},
    ]
    assert item["lease"] is None
    assert item["matches"] == []


def test_one_item_reads_as_in_the_queue_and_only_while_it_waits(client, in_review, admin):
    waiting = in_review()
    headers = admin()
    (listed,) = queue(client, headers)["items"]
    one = client.get(f"/api/v1/review/queue/{waiting.submission_id}", headers=headers)
    assert one.status_code == 200, one.json
    assert one.json == listed
    assert client.get("/api/v1/review/queue/nope", headers=headers).status_code == 404
    assert (
        client.get(
            f"/api/v1/review/queue/{waiting.submission_id}", headers=waiting.claimed.headers
        ).status_code
        == 403
    )
    client.post(
        f"/api/v1/submissions/{waiting.submission_id}/decision",
        json={"decision": "approve"},
        headers=headers,
    )
    gone = client.get(f"/api/v1/review/queue/{waiting.submission_id}", headers=headers)
    assert gone.status_code == 404
    assert gone.json["code"] == "not_found"


def test_a_similar_photo_shows_the_photo_it_matched_with_links(app, client, db, claim, admin):
    picture = shelf(seed=24)
    first = submit(client, claim(), [jpeg(picture)])
    validate_now(app, db, first.json["submission_id"])
    with db.transaction() as session:
        photo = session.query(Photo).filter_by(submission_id=first.json["submission_id"]).one()
        matched_id = photo.id
        # The same shelf photographed again: here, the first photo's hash moved 6 bits away.
        moved = reuse.to_unsigned(photo.phash) ^ 0b10_0000_0100_0000_1000_0001_0010_0001
        session.execute(
            update(Photo).where(Photo.id == photo.id).values(**reuse.index_values(moved))
        )
    second = submit(client, claim(), [jpeg(picture, optimize=True)])
    validate_now(app, db, second.json["submission_id"])
    headers = admin()
    (item,) = queue(client, headers, flag="similar_photo")["items"]
    (match,) = item["matches"]
    assert match["check"] == "similar_photo"
    assert match["photo"] == 0
    assert match["photo_id"] == matched_id
    assert match["submission_id"] == first.json["submission_id"]
    assert match["hamming"] == 6
    assert match["exact"] is False
    assert match["erased"] is False
    for link in ("url", "review_url", "thumbnail_url"):
        assert match[link].startswith(f"/api/v1/photos/{matched_id}")
    shown = client.get(match["url"], headers=headers)
    assert shown.status_code == 200
    assert shown.mimetype == "image/jpeg"


def test_a_page_reads_its_extras_in_as_many_statements_whatever_its_size(
    client, db, make, in_review, admin
):
    headers = admin()
    in_review(honest_payload(**FAR))
    with statements(db) as one_item:
        assert len(queue(client, headers)["items"]) == 1
    for _ in range(3):
        in_review(honest_payload(**FAR), worker=make(UserFactory))
    with statements(db) as four_items:
        assert len(queue(client, headers)["items"]) == 4
    assert len(four_items) == len(one_item)


def test_the_level_rule_is_documented_where_the_field_is(client):
    spec = client.get("/openapi.json").json
    level = spec["components"]["schemas"]["WorkerRecordOut"]["properties"]["level"]
    assert LEVEL_RULE in level["description"]
    assert level["enum"] == ["new", "regular", "experienced"]


def test_items_name_their_brand_and_the_counts_list_every_brand_and_campaign(
    app, client, db, make, auth_headers, in_review, admin
):
    routine = in_review()
    doubted = in_review(honest_payload(**FAR))
    other_brand, elsewhere = another_brands_submission(app, client, db, make, auth_headers, 78)
    headers = admin()
    # A page of one still lists every brand and campaign waiting: the filters' choices.
    page = queue(client, headers, limit=1)
    assert len(page["items"]) == 1
    items = {item["id"]: item for item in queue(client, headers)["items"]}
    mine = {"id": routine.claimed.brand_id, "name": routine.claimed.brand.name}
    assert items[routine.submission_id]["brand"] == mine
    assert items[elsewhere]["brand"]["id"] == other_brand
    by_brand = {b["id"]: b for b in page["counts"]["by_brand"]}
    assert by_brand == {
        routine.claimed.brand_id: mine | {"count": 2},
        other_brand: {"id": other_brand, "name": items[elsewhere]["brand"]["name"], "count": 1},
    }
    assert [b["name"] for b in page["counts"]["by_brand"]] == sorted(
        b["name"] for b in by_brand.values()
    )
    campaigns = {c["id"]: c for c in page["counts"]["by_campaign"]}
    assert campaigns == {
        item["campaign"]["id"]: item["campaign"] | {"count": 1} for item in items.values()
    }

    # Each list leaves its own filter out and keeps the others: what choosing would list.
    located = queue(client, headers, flag="location")["counts"]
    assert located["by_brand"] == [mine | {"count": 1}]
    assert located["by_campaign"] == [items[doubted.submission_id]["campaign"] | {"count": 1}]
    theirs = queue(client, headers, brand_id=other_brand)
    assert ids(theirs) == [elsewhere]
    assert len(theirs["counts"]["by_brand"]) == 2  # still every brand to switch to
    assert theirs["counts"]["by_campaign"] == [items[elsewhere]["campaign"] | {"count": 1}]
    one_campaign = items[routine.submission_id]["campaign"]["id"]
    assert queue(client, headers, campaign_id=one_campaign)["counts"]["by_brand"] == [
        mine | {"count": 1}
    ]


def test_the_waiting_counts_are_cheap_and_follow_decisions(client, db, in_review, admin):
    from tests.support.review import appeal, reject

    first, second, _third = in_review(), in_review(honest_payload(**FAR)), in_review()
    headers = admin()
    with statements(db) as read:
        counts = client.get("/api/v1/review/counts", headers=headers)
    assert counts.status_code == 200, counts.json
    assert counts.json == {"queue": {"total": 3, "flagged": 1}, "appeals": {"open": 0}}
    # One statement of sums over the kept counts and the open appeals; no submission, item,
    # photo, lease or breakdown read.
    (counted,) = [s for s in read if "review_queue_counts" in s]
    assert "appeals" in counted
    assert not [
        s
        for s in read
        if "submissions" in s or "photos" in s or "review_leases" in s or "GROUP BY" in s
    ]
    reject(client, headers, first.submission_id)
    assert appeal(client, first).status_code == 201
    assert (
        client.post(
            f"/api/v1/submissions/{second.submission_id}/decision",
            json={"decision": "approve"},
            headers=headers,
        ).status_code
        == 200
    )
    assert client.get("/api/v1/review/counts", headers=headers).json == {
        "queue": {"total": 1, "flagged": 0},
        "appeals": {"open": 1},
    }
    assert client.get("/api/v1/review/counts", headers=first.claimed.headers).status_code == 403
