"""The factories build what their traits name, with rows both databases accept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from backend.campaigns.models import Campaign, CampaignProduct
from backend.missions.models import Assignment, Mission
from backend.stores.models import Store
from backend.submissions.models import Photo, Submission
from tests.support.factories import (
    AssignmentFactory,
    BrandFactory,
    CampaignFactory,
    MissionFactory,
    SubmissionFactory,
    UserFactory,
)


def read(db, model, row_id):
    with db.transaction(write=False) as session:
        row = session.get_one(model, row_id)
        session.expunge(row)
        return row


def count(db, model, *where):
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_campaign_is_published_and_running_unless_a_trait_says_otherwise(db, make):
    now = datetime.now(UTC)
    running = read(db, Campaign, make(CampaignFactory, skus=("A", "B")).id)
    assert running.status == "published"
    assert running.published_at is not None
    assert running.starts_at < now < running.ends_at
    assert count(db, CampaignProduct, CampaignProduct.campaign_id == running.id) == 2
    assert read(db, Campaign, make(CampaignFactory, published=True).id).status == "published"
    draft = read(db, Campaign, make(CampaignFactory, draft=True).id)
    assert (draft.status, draft.published_at) == ("draft", None)
    assert read(db, Campaign, make(CampaignFactory, cancelled=True).id).status == "cancelled"
    assert read(db, Campaign, make(CampaignFactory, ended=True).id).ends_at < now
    assert read(db, Campaign, make(CampaignFactory, upcoming=True).id).starts_at > now


def test_a_mission_is_open_at_a_store_of_its_campaigns_brand(db, make):
    brand = make(BrandFactory)
    campaign = make(CampaignFactory, brand_id=brand.id, reward_amount_minor=750)
    mission = read(db, Mission, make(MissionFactory, campaign=campaign, at=(51.0, 4.0)).id)
    store = read(db, Store, mission.store_id)
    assert mission.status == "open"
    assert mission.campaign_id == campaign.id
    assert mission.brand_id == store.brand_id == brand.id
    assert (mission.latitude, mission.longitude) == (store.latitude, store.longitude) == (51, 4)
    assert (mission.reward_amount_minor, mission.reward_currency) == (750, "EUR")
    # Given only a brand, it makes a published campaign of that brand.
    alone = read(db, Mission, make(MissionFactory, brand_id=brand.id).id)
    assert alone.brand_id == brand.id
    assert read(db, Campaign, alone.campaign_id).status == "published"


def test_a_draft_mission_belongs_to_a_draft_campaign(db, make):
    mission = read(db, Mission, make(MissionFactory, draft=True).id)
    assert mission.status == "draft"
    assert read(db, Campaign, mission.campaign_id).status == "draft"


@pytest.mark.parametrize("state", ["cancelled", "expired"])
def test_an_ended_mission_has_no_claim(db, make, state):
    mission = make(MissionFactory, **{state: True})
    assert read(db, Mission, mission.id).status == state
    assert count(db, Assignment, Assignment.mission_id == mission.id) == 0


def test_a_claimed_mission_has_the_workers_active_claim(db, make):
    ana = make(UserFactory)
    mission = make(MissionFactory, claimed=True, worker=ana)
    assert read(db, Mission, mission.id).status == "claimed"
    with db.transaction(write=False) as session:
        claims = session.scalars(select(Assignment).where(Assignment.mission_id == mission.id))
        assert [(a.worker_id, a.status) for a in claims] == [(ana.id, "active")]
    # worker=False: the test makes the claim itself.
    bare = make(MissionFactory, claimed=True, worker=False)
    assert count(db, Assignment, Assignment.mission_id == bare.id) == 0


@pytest.mark.parametrize(
    ("state", "evidence", "outcome"),
    [
        ("submitted", "in_review", "completed"),
        ("completed", "approved", "completed"),
        ("store_closed", "approved", "store_closed"),
    ],
)
def test_a_submitted_or_finished_mission_has_the_submission_it_stands_for(
    db, make, state, evidence, outcome
):
    ana = make(UserFactory)
    mission = make(MissionFactory, worker=ana, **{state: True})
    assert read(db, Mission, mission.id).status == state
    with db.transaction(write=False) as session:
        submission = session.scalars(
            select(Submission).where(Submission.mission_id == mission.id)
        ).one()
        assignment = session.get_one(Assignment, submission.assignment_id)
        assert (submission.status, submission.outcome) == (evidence, outcome)
        assert submission.worker_id == ana.id
        assert (assignment.status, assignment.worker_id) == ("submitted", ana.id)


@pytest.mark.parametrize("state", ["active", "submitted", "released", "expired"])
def test_each_assignment_trait_gives_its_status(db, make, state):
    assignment = read(db, Assignment, make(AssignmentFactory, **{state: True}).id)
    assert assignment.status == state
    assert (assignment.ended_at is None) == (state == "active")
    if state == "expired":
        assert assignment.expires_at < datetime.now(UTC)
    else:
        assert assignment.expires_at > datetime.now(UTC)


def test_an_assignment_on_its_own_claims_a_claimed_mission(db, make):
    assignment = make(AssignmentFactory)
    assert read(db, Mission, assignment.mission_id).status == "claimed"
    assert count(db, Assignment, Assignment.mission_id == assignment.mission_id) == 1


@pytest.mark.parametrize(
    ("state", "mission_status"),
    [
        ("received", "submitted"),
        ("in_review", "submitted"),
        ("appealed", "submitted"),
        ("approved", "completed"),
        ("rejected", "open"),
    ],
)
def test_each_submission_trait_gives_its_status_and_its_missions(db, make, state, mission_status):
    submission = read(db, Submission, make(SubmissionFactory, **{state: True}).id)
    assert submission.status == state
    assert (submission.decided_at is not None) == (state in ("approved", "rejected"))
    mission = read(db, Mission, submission.mission_id)
    assert mission.status == mission_status
    assert submission.brand_id == mission.brand_id
    assignment = read(db, Assignment, submission.assignment_id)
    assert (assignment.mission_id, assignment.worker_id) == (mission.id, submission.worker_id)
    assert assignment.status == "submitted"


def test_an_approved_closed_store_leaves_its_mission_store_closed(db, make):
    submission = make(SubmissionFactory, approved=True, store_closed=True)
    assert read(db, Mission, submission.mission_id).status == "store_closed"


def test_a_submission_joins_a_given_mission_with_its_photos(db, make):
    mission = make(MissionFactory)
    worker = make(UserFactory)
    submission = make(
        SubmissionFactory,
        mission_id=mission.id,
        worker_id=worker.id,
        store_closed=True,
        photos=3,
        mission_status=None,
    )
    assert (submission.outcome, submission.mission_id) == ("store_closed", mission.id)
    assert read(db, Mission, mission.id).status == "open"  # mission_status=None: untouched
    with db.transaction(write=False) as session:
        positions = session.scalars(
            select(Photo.position).where(Photo.submission_id == submission.id)
        ).all()
    assert sorted(positions) == [0, 1, 2]
