"""Migrations build exactly the models' schema, on SQLite and PostgreSQL, and unwind."""

from __future__ import annotations

from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, update

from backend import migrate
from backend.campaigns.models import Campaign
from backend.db import Base
from backend.kernel.clock import utcnow
from backend.missions.models import Mission
from tests.support.factories import AssignmentFactory, BrandFactory, UserFactory
from tests.support.world import build, insert_submission


def test_migrated_schema_matches_models(db):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": migrate.include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert migrate.current(db) is not None


def test_downgrade_to_base_and_back(db, app):
    migrate.downgrade(db, "base")
    leftover = set(inspect(db.engine).get_table_names()) - {"alembic_version", "spatial_ref_sys"}
    assert leftover == set()
    migrate.upgrade(db)
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_0011_reopens_the_missions_a_rejection_left_submitted(db, client, make, auth_headers):
    """Before rejections reopened missions, a rejected one stayed `submitted` for good. At
    0010, seed such missions beside ones that must stay as they are; 0011 reopens the
    stuck ones of a running campaign (found by nearby, on SQLite through its R*Tree) and
    expires those of a campaign that no longer runs."""
    # Users made (and the API asked) at head only: today's User model reads columns that
    # 0010 lacks (0016's email_verified_at, locale).
    worker = make(UserFactory)
    headers = auth_headers(make(UserFactory))
    migrate.downgrade(db, "0010")
    brand = make(BrandFactory)
    spots = [(50.8467 + i / 1000, 4.3525) for i in range(5)]
    running, (stuck, judging, held, appealed, approved) = build(db, brand.id, spots)
    ended, (stuck_ended,) = build(db, brand.id, [(50.85, 4.36)])
    cancelled, (stuck_cancelled,) = build(db, brand.id, [(50.851, 4.36)])

    def hand_in(mission_id, *statuses):
        for status in statuses:
            insert_submission(
                db,
                mission_id=mission_id,
                worker_id=worker.id,
                brand_id=brand.id,
                status=status,
                captured_at=utcnow(),
            )

    hand_in(stuck, "rejected", "abandoned")
    hand_in(judging, "rejected", "in_review")
    hand_in(held, "rejected")
    hand_in(appealed, "appealed")
    hand_in(approved, "rejected", "approved")
    hand_in(stuck_ended, "rejected")
    hand_in(stuck_cancelled, "rejected")
    make(AssignmentFactory, mission_id=held, worker_id=worker.id)  # an active claim
    with db.transaction() as session:
        session.execute(
            update(Campaign)
            .where(Campaign.id == ended)
            .values(ends_at=utcnow() - timedelta(hours=1))
        )
        session.execute(update(Campaign).where(Campaign.id == cancelled).values(status="cancelled"))
    assert _statuses(db) == dict.fromkeys(
        (stuck, judging, held, appealed, approved, stuck_ended, stuck_cancelled), "submitted"
    )

    migrate.upgrade(db)

    assert _statuses(db) == {
        stuck: "open",
        judging: "submitted",
        held: "submitted",
        appealed: "submitted",
        approved: "submitted",
        stuck_ended: "expired",
        stuck_cancelled: "expired",
    }
    assert _nearby(client, headers) == {stuck}
    assert running  # the campaign whose stuck mission is open again


def _statuses(db):
    with db.transaction(write=False) as session:
        return dict(session.execute(select(Mission.id, Mission.status)).all())


def _nearby(client, headers):
    response = client.get(
        "/api/v1/missions/nearby",
        query_string={"latitude": 50.8467, "longitude": 4.3525, "radius_m": 5000},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


def test_0012_gives_show_up_pay_to_missions_published_without_it(db, make):
    """Missions published before publishing fixed show-up pay had none; 0012 figures it as
    publishing does (half the reward and bonus, at least 2.00 EUR, at most the pay), for
    every mission past its draft. Drafts, and figures already fixed, stay as they are."""
    migrate.downgrade(db, "0011")
    brand = make(BrandFactory)
    _, (plain, bonus, fixed, done) = build(db, brand.id, [(50.85, 4.35)] * 4)
    _, (small,) = build(db, brand.id, [(50.86, 4.35)], reward=300)
    _, (draft,) = build(db, brand.id, [(50.87, 4.35)], status="draft")
    with db.transaction() as session:
        session.execute(update(Mission).values(show_up_minor=None))  # as before publishing fixed it
        session.execute(update(Mission).where(Mission.id == bonus).values(bonus_minor=101))
        session.execute(update(Mission).where(Mission.id == fixed).values(show_up_minor=250))
        session.execute(update(Mission).where(Mission.id == done).values(status="completed"))

    migrate.upgrade(db)

    with db.transaction(write=False) as session:
        figures = dict(session.execute(select(Mission.id, Mission.show_up_minor)).all())
    assert figures == {
        plain: 300,
        bonus: 351,  # 350.5, half up
        fixed: 250,
        done: 300,
        small: 200,  # the minimum
        draft: None,
    }
