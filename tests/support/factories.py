"""factory_boy factories with traits; rows are committed so the app under test sees them.

Campaign, Mission, Assignment and Submission rows are built id-first, as the tests hold ids:
pass `brand_id`, `mission_id`, `worker_id` (or a `campaign` object to a mission) to place a
row in an existing world; leave them out and the factory makes what the row needs. Traits
name a state and set the status on the row directly (these are tests, not the state
machines): `make(MissionFactory, claimed=True, worker=ana)`,
`make(SubmissionFactory, approved=True, mission_id=m, photos=2)`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import factory
from apiflask import APIFlask
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.accounts import rules
from backend.accounts.models import ApiToken, Brand, User
from backend.accounts.service import password_hasher
from backend.campaigns import rules as campaign_rules
from backend.campaigns.models import Campaign, CampaignProduct
from backend.campaigns.service import show_up_pay
from backend.db import Database
from backend.missions.models import Assignment, Mission
from backend.settings import default_settings
from backend.stores.models import Store
from backend.submissions.models import Photo, Submission

PASSWORD = "correct horse battery staple"
_session: Session | None = None


def _current_session() -> Session:
    assert _session is not None, "use the `make` fixture"
    return _session


class Base(SQLAlchemyModelFactory):  # type: ignore[misc]
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _current_session
        sqlalchemy_session_persistence = "commit"


class BrandFactory(Base):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    display_name = factory.Sequence(lambda n: f"User {n}")
    role = "worker"
    brand = None
    password_hash = factory.LazyFunction(lambda: password_hasher().hash(PASSWORD))
    # Verified, as every account made before verification existed; `unverified=True` is a
    # new sign-up's state.
    email_verified_at = factory.LazyFunction(lambda: datetime.now(UTC))

    class Params:
        brand_user = factory.Trait(role="brand", brand=factory.SubFactory(BrandFactory))
        admin = factory.Trait(role="admin")
        unverified = factory.Trait(email_verified_at=None)


class StoreFactory(Base):
    class Meta:
        model = Store

    brand_id = factory.LazyFunction(lambda: BrandFactory().id)
    name = factory.Sequence(lambda n: f"Store {n}")
    latitude = 50.8467
    longitude = 4.3525
    geofence_m = 150


BRUSSELS = (50.8467, 4.3525)
# The mission's status each submission status leaves behind, as the services do (an
# approval of a store found closed leaves it `store_closed`: see mission_status_after).
MISSION_STATUS_AFTER = {
    "uploading": "submitted",
    "received": "submitted",
    "validating": "submitted",
    "in_review": "submitted",
    "appealed": "submitted",
    "approved": "completed",
    "rejected": "open",  # a rejection reopens the mission for another worker
    "abandoned": "open",
}


TAKEN = ("claimed", "submitted", "completed", "store_closed")


def mission_status_after(status: str, outcome: str) -> str:
    """What a submission in `status` with `outcome` leaves its mission as."""
    if status == "approved" and outcome == "store_closed":
        return "store_closed"
    return MISSION_STATUS_AFTER[status]


def _now() -> datetime:
    return datetime.now(UTC)


class CampaignFactory(Base):
    """A running, published campaign by default; `skus=("A", "B")` adds its products."""

    class Meta:
        model = Campaign

    brand_id = factory.LazyFunction(lambda: BrandFactory().id)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    instructions = ""
    photos_required = 1
    review_required = False
    reward_amount_minor = 600
    reward_currency = "EUR"
    est_minutes = 15
    starts_at = factory.LazyFunction(lambda: _now() - timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: _now() + timedelta(days=30))
    status = "published"
    published_at = factory.LazyFunction(_now)
    products = factory.LazyAttribute(
        lambda o: [CampaignProduct(sku=sku, name=sku) for sku in o.skus]
    )

    class Params:
        skus: tuple[str, ...] = ()
        published = factory.Trait(status="published")
        draft = factory.Trait(status="draft", published_at=None)
        cancelled = factory.Trait(status="cancelled")
        ended = factory.Trait(
            starts_at=factory.LazyFunction(lambda: _now() - timedelta(days=30)),
            ends_at=factory.LazyFunction(lambda: _now() - timedelta(hours=1)),
        )
        upcoming = factory.Trait(
            starts_at=factory.LazyFunction(lambda: _now() + timedelta(days=7)),
            ends_at=factory.LazyFunction(lambda: _now() + timedelta(days=14)),
        )


def _mission_campaign(o: Any) -> Campaign:
    """The mission's campaign: the one given, or a new one of its brand."""
    if o.campaign is not None:
        return o.campaign
    return CampaignFactory(
        brand_id=o.brand_id,
        status=o.campaign_status,
        published_at=None if o.campaign_status == "draft" else _now(),
        skus=o.skus,
        review_required=o.review_required,
    )


def show_up_at(reward: int) -> int:
    """A closed store's pay for this reward, as publishing under the default settings fixes it."""
    return show_up_pay(reward, campaign_rules.pay_rules(default_settings()))


class MissionFactory(Base):
    """An open mission at a new store of its campaign's brand; traits name the other states.

    `claimed`, `submitted`, `completed` and `store_closed` also make what that state means:
    an active claim, a submission in review, an approved one, an approved closed store (by
    `worker`, or a new worker).
    """

    class Meta:
        model = Mission

    brand_id = factory.LazyAttribute(
        lambda o: o.campaign.brand_id if o.campaign is not None else BrandFactory().id
    )
    campaign_id = factory.SelfAttribute("campaign_row.id")
    store_id = factory.LazyAttribute(
        lambda o: StoreFactory(brand_id=o.brand_id, latitude=o.at[0], longitude=o.at[1]).id
    )
    latitude = factory.LazyAttribute(lambda o: o.at[0])
    longitude = factory.LazyAttribute(lambda o: o.at[1])
    reward_amount_minor = factory.SelfAttribute("campaign_row.reward_amount_minor")
    reward_currency = factory.SelfAttribute("campaign_row.reward_currency")
    status = "open"
    # Publishing fixes a closed store's pay; a draft has none yet.
    show_up_minor = factory.LazyAttribute(
        lambda o: None if o.status == "draft" else show_up_at(o.reward_amount_minor)
    )

    class Params:
        campaign: Campaign | None = None
        campaign_status = "published"
        at = BRUSSELS
        skus: tuple[str, ...] = ()
        review_required = False
        campaign_row = factory.LazyAttribute(_mission_campaign)
        draft = factory.Trait(status="draft", campaign_status="draft")
        claimed = factory.Trait(status="claimed")
        submitted = factory.Trait(status="submitted")
        completed = factory.Trait(status="completed")
        store_closed = factory.Trait(status="store_closed")
        cancelled = factory.Trait(status="cancelled")
        expired = factory.Trait(status="expired")

    @factory.post_generation
    def worker(obj: Mission, create: bool, extracted: User | bool | None, **kwargs: Any) -> None:
        """Make the claim or the submission that the mission's status stands for, by
        `worker` or a new one; `worker=False` leaves that to the caller."""
        if not create or extracted is False or obj.status not in TAKEN:
            return
        worker_id = extracted.id if isinstance(extracted, User) else UserFactory().id
        if obj.status == "claimed":
            AssignmentFactory(mission_id=obj.id, worker_id=worker_id)
        else:
            SubmissionFactory(
                mission_id=obj.id,
                worker_id=worker_id,
                status="in_review" if obj.status == "submitted" else "approved",
                outcome="store_closed" if obj.status == "store_closed" else "completed",
                mission_status=None,
            )


class AssignmentFactory(Base):
    """A worker's active claim on a mission; it leaves the mission's status as it is."""

    class Meta:
        model = Assignment

    mission_id = factory.LazyFunction(lambda: MissionFactory(claimed=True, worker=False).id)
    worker_id = factory.LazyFunction(lambda: UserFactory().id)
    status = "active"
    expires_at = factory.LazyFunction(lambda: _now() + timedelta(hours=1))

    class Params:
        active = factory.Trait(status="active")
        submitted = factory.Trait(status="submitted", ended_at=factory.LazyFunction(_now))
        released = factory.Trait(status="released", ended_at=factory.LazyFunction(_now))
        expired = factory.Trait(
            status="expired",
            expires_at=factory.LazyFunction(lambda: _now() - timedelta(minutes=1)),
            ended_at=factory.LazyFunction(_now),
        )


class PhotoFactory(Base):
    """A stored photo of a submission (pass `submission_id`), not yet checked."""

    class Meta:
        model = Photo

    position = factory.Sequence(int)
    sha256 = factory.LazyFunction(lambda: uuid.uuid4().hex * 2)
    size = 900


class SubmissionFactory(Base):
    """A worker's evidence for a mission, in review, with its submitted assignment; it sets
    the mission's status to what the submission's leaves (`mission_status=None`: untouched).

    Status only: no decision row, no ledger credit. Settle through the services when the
    money matters. `photos=n` adds n photo rows.
    """

    class Meta:
        model = Submission

    mission_status = factory.LazyAttribute(lambda o: mission_status_after(o.status, o.outcome))
    mission_id = factory.LazyFunction(lambda: MissionFactory().id)
    worker_id = factory.LazyFunction(lambda: UserFactory().id)
    brand_id = factory.LazyAttribute(
        lambda o: _current_session().get_one(Mission, o.mission_id).brand_id
    )
    assignment_id = factory.LazyAttribute(
        lambda o: (
            AssignmentFactory(
                mission_id=o.mission_id,
                worker_id=o.worker_id,
                status="submitted",
                expires_at=o.captured_at + timedelta(hours=1),
            ).id
        )
    )
    outcome = "completed"
    answers = factory.LazyFunction(list)
    latitude = factory.LazyAttribute(lambda o: o.at[0])
    longitude = factory.LazyAttribute(lambda o: o.at[1])
    accuracy_m = 8.0
    captured_at = factory.LazyFunction(_now)
    received_at = factory.SelfAttribute("captured_at")
    status = "in_review"

    class Params:
        at = BRUSSELS
        received = factory.Trait(status="received")
        in_review = factory.Trait(status="in_review")
        approved = factory.Trait(status="approved", decided_at=factory.LazyFunction(_now))
        rejected = factory.Trait(
            status="rejected", reasons=["photo_unusable"], decided_at=factory.LazyFunction(_now)
        )
        appealed = factory.Trait(status="appealed", reasons=["photo_unusable"])
        store_closed = factory.Trait(outcome="store_closed")

    @factory.post_generation
    def photos(obj: Submission, create: bool, extracted: int | None, **kwargs: Any) -> None:
        """`photos=n`: n photo rows, as an upload stores them."""
        for position in range(extracted or 0):
            PhotoFactory(submission_id=obj.id, position=position, **kwargs)

    @classmethod
    def _create(cls, model_class: type[Submission], *args: Any, **kwargs: Any) -> Submission:
        """Insert the submission, then move its mission to the status it leaves behind."""
        mission_status = kwargs.pop("mission_status")
        submission: Submission = super()._create(model_class, *args, **kwargs)
        if mission_status is not None:
            session = _current_session()
            session.execute(
                update(Mission)
                .where(Mission.id == submission.mission_id)
                .values(status=mission_status)
            )
            session.commit()
        return submission


class Maker:
    """Binds the factories to a session of the test app for the duration of a test."""

    def __init__(self, app: APIFlask) -> None:
        global _session
        database: Database = app.extensions["fairfield.db"]
        _session = database.session(write=False)
        self.session = _session

    def __call__(self, factory_cls: type[Base], **kwargs: Any) -> Any:
        return factory_cls(**kwargs)


@contextlib.contextmanager
def bound(database: Database) -> Iterator[Session]:
    """Bind the factories to a session of `database` for a world builder that has no
    `make` fixture; the binding in place before (a test's `make`) comes back afterwards."""
    global _session
    before, _session = _session, database.session(write=True)
    try:
        yield _session
    finally:
        _session.close()
        _session = before


def token_for(
    app: APIFlask, user: User, *, ttl_seconds: int = 3600, expires_at: datetime | None = None
) -> str:
    """A real bearer token for `user`, stored hashed like the service does."""
    database: Database = app.extensions["fairfield.db"]
    raw = rules.new_token()
    with database.transaction() as session:
        session.add(
            ApiToken(
                token_hash=rules.token_digest(raw),
                user_id=user.id,
                expires_at=expires_at or datetime.now(UTC) + timedelta(seconds=ttl_seconds),
            )
        )
    return raw
