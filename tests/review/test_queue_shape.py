"""The queue's page goes out without a schema's dump (it cost a third of the page): what it
sends must be what QueueOut would write of it, a lease, products, matched photos (one of
them erased) and checks with more in them than the API shows included."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select, update

from backend.campaigns.models import Campaign
from backend.kernel.clock import utcnow
from backend.missions.models import Mission
from backend.review import queue
from backend.review.schemas import QueueOut
from backend.settings import current_settings
from backend.stores.models import Store
from backend.submissions.models import Photo, Submission
from backend.submissions.rules import ERASED_SHA256
from backend.urls import photo_links, photo_url
from backend.validation import reuse
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.statements import selects, statements
from tests.support.submitting import submit, validate_now


def _similar_pair(app, client, db, claim, seed):
    """Two submissions of the same shelf photo (its hash moved 6 bits): the second, in
    review, matches the first's photo; returns that photo's id."""
    picture = shelf(seed=seed)
    first = submit(client, claim(), [jpeg(picture)])
    validate_now(app, db, first.json["submission_id"])
    with db.transaction() as session:
        photo = session.query(Photo).filter_by(submission_id=first.json["submission_id"]).one()
        moved = reuse.to_unsigned(photo.phash) ^ 0b10_0000_0100_0000_1000_0001_0010_0001
        session.execute(
            update(Photo).where(Photo.id == photo.id).values(**reuse.index_values(moved))
        )
        matched = photo.id
    second = submit(client, claim(), [jpeg(picture, optimize=True)])
    validate_now(app, db, second.json["submission_id"])
    return matched, second.json["submission_id"]


def test_the_page_is_what_its_schema_writes(app, client, db, make, claim, in_review, auth_headers):
    kept, _ = _similar_pair(app, client, db, claim, seed=31)
    erased, _ = _similar_pair(app, client, db, claim, seed=47)
    with db.transaction() as session:
        session.execute(update(Photo).where(Photo.id == erased).values(sha256=ERASED_SHA256))
    leased = in_review()
    reviewer = make(UserFactory, role="admin")
    headers = auth_headers(reviewer)
    taken = client.post(f"/api/v1/submissions/{leased.submission_id}/lease", headers=headers)
    assert taken.status_code == 200, taken.json

    sent = client.get("/api/v1/review/queue", headers=headers, query_string={"limit": 3})
    assert sent.status_code == 200, sent.json
    with app.test_request_context(), db.transaction(write=False) as session:
        # As the view builds it for this admin: links are signed for the request's user.
        g.user_id = reviewer.id
        page = queue.review_queue(
            db_session=session,
            limit=3,
            cursor=None,
            sla_hours=current_settings().review_sla_hours,
            now=utcnow(),
        )
        written = app.json.dumps(QueueOut().dump(page))
        as_built = app.json.dumps(page)
        # The page's flat rows (its extras joined in, JSON decoded by orjson) make what the
        # ORM rows and the extras' own queries make for the audits' items, byte for byte.
        by_id = {
            row.Submission.id: row
            for row in session.execute(
                select(Submission, Mission, Store, Campaign)
                .join(Mission, Mission.id == Submission.mission_id)
                .join(Store, Store.id == Mission.store_id)
                .join(Campaign, Campaign.id == Mission.campaign_id)
            )
        }
        rows = [by_id[item["id"]] for item in page["items"]]
        from_orm = queue.queue_items(
            session, rows, sla_hours=current_settings().review_sla_hours, now=utcnow()
        )
        assert app.json.dumps(from_orm) == app.json.dumps(page["items"])
    assert as_built == written
    items = sent.json["items"]
    assert {m["erased"] for item in items for m in item["matches"]} == {True, False}
    assert [item["lease"] is not None for item in items].count(True) == 1
    assert all("hard" not in check for item in items for check in item["checks"])
    assert {m["photo_id"] for item in items for m in item["matches"]} == {kept, erased}


def test_a_photo_s_links_are_the_urls_photo_url_makes(app, make):
    """photo_links builds its three URLs without url_for: each must be photo_url's."""
    viewer = make(UserFactory, role="admin")
    variants = {"url": "full", "review_url": "review", "thumbnail_url": "thumb"}
    asked: list[tuple[str, dict[str, Any]]] = [
        ("p-1", {}),
        ("p 2/é", {"ttl_seconds": 600, "external": True}),
        ("p-3", {"viewer_id": "a viewer/with&odd=chars?"}),
    ]
    with app.test_request_context():
        g.user_id = viewer.id
        for photo_id, kw in asked:
            made = photo_links(photo_id, **kw)
            assert made == {k: photo_url(photo_id, variant=v, **kw) for k, v in variants.items()}
    with app.app_context():  # no viewer: bare paths, which need a bearer token
        made = photo_links("p-4")
        assert made == {k: photo_url("p-4", variant=v) for k, v in variants.items()}


def test_a_page_reads_its_items_extras_beside_them(app, client, make, in_review, auth_headers):
    """The lease, the brand, the worker's record and the photos of every item come with the
    items' own statement (each was a statement of its own)."""
    reviewer = make(UserFactory, role="admin")
    headers = auth_headers(reviewer)
    waiting = [in_review(), in_review()]
    for one in waiting:
        taken = client.post(f"/api/v1/submissions/{one.submission_id}/lease", headers=headers)
        assert taken.status_code == 200, taken.json
    with statements(app.extensions["fairfield.db"]) as seen:
        sent = client.get("/api/v1/review/queue", headers=headers)
    assert sent.status_code == 200, sent.json
    assert len(sent.json["items"]) == 2
    assert all(item["lease"]["admin"]["id"] == reviewer.id for item in sent.json["items"])
    assert selects(seen)["review_leases"] == 1
    assert selects(seen)["photos"] == 1
    # The items with their extras and photos, their products, the counts: 7 before, when the
    # leases, the brands and the workers' records were read apart, and 4 with the photos
    # apart. (The token's user is read too, on the driver's own cursor, unseen here.)
    assert sum(1 for s in seen if s.lstrip().upper().startswith("SELECT")) == 3
