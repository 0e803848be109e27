"""Bulk-built worlds for mission tests and benchmarks: many stores and open missions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from backend.accounts.models import Brand, User
from backend.campaigns.models import Campaign, CampaignProduct
from backend.db import Database
from backend.kernel.ids import new_id
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.stores.models import Store
from backend.submissions.models import Photo
from tests.support import factories


def build(
    db: Database,
    brand_id: str,
    points: list[tuple[float, float]],
    *,
    status: str = "open",
    est_minutes: int = 15,
    reward: int = 600,
    skus: tuple[str, ...] = (),
    review_required: bool = False,
) -> tuple[str, list[str]]:
    """One published campaign (counting `skus`) with a store and a mission at each point."""
    now = datetime.now(UTC)
    show_up = None if status == "draft" else factories.show_up_at(reward)
    with db.transaction() as session:
        campaign = Campaign(
            brand_id=brand_id,
            name="World",
            instructions="",
            photos_required=1,
            review_required=review_required,
            products=[CampaignProduct(sku=sku, name=sku) for sku in skus],
            reward_amount_minor=reward,
            reward_currency="EUR",
            est_minutes=est_minutes,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=30),
            status="published",
            published_at=now,
        )
        session.add(campaign)
        session.flush()
        ids = []
        # Chunk by chunk, so a million points never sit in memory as row dicts at once.
        for start in range(0, len(points), 5000):
            stores, missions = [], []
            for lat, lon in points[start : start + 5000]:
                sid = new_id()
                stores.append(
                    {
                        "id": sid,
                        "brand_id": brand_id,
                        "name": "S",
                        "latitude": lat,
                        "longitude": lon,
                        "geofence_m": 150,
                        "created_at": now,
                    }
                )
                missions.append(
                    {
                        "id": new_id(),
                        "campaign_id": campaign.id,
                        "store_id": sid,
                        "brand_id": brand_id,
                        "latitude": lat,
                        "longitude": lon,
                        "reward_amount_minor": reward,
                        "reward_currency": "EUR",
                        "show_up_minor": show_up,
                        "status": status,
                        "created_at": now,
                    }
                )
            session.execute(insert(Store), stores)
            session.execute(insert(Mission), missions)
            ids += [m["id"] for m in missions]
        campaign_id = campaign.id
    return campaign_id, ids


def european_points(n: int, seed: int = 1) -> list[tuple[float, float]]:
    """80 % clustered around 50 cities (sigma about 5 km), 20 % uniform over Europe."""
    rng = random.Random(seed)
    cities = [(rng.uniform(38, 58), rng.uniform(-8, 28)) for _ in range(50)]
    points = []
    for i in range(n):
        if i % 5:
            lat, lon = rng.choice(cities)
            points.append((lat + rng.gauss(0, 0.045), lon + rng.gauss(0, 0.07)))
        else:
            points.append((rng.uniform(36, 60), rng.uniform(-10, 30)))
    return points


def insert_submission(
    db: Database,
    *,
    mission_id: str,
    worker_id: str,
    brand_id: str,
    status: str = "in_review",
    outcome: str = "completed",
    answers: list[dict[str, Any]] | None = None,
    at: tuple[float, float] = (50.8467, 4.3525),
    captured_at: datetime,
    received_at: datetime | None = None,
    photos: int = 0,
) -> tuple[str, list[str]]:
    """A submission with its assignment and photo rows, as an upload leaves it (no decision,
    no credit), its mission `submitted`; returns its id and its photos' ids."""
    with factories.bound(db) as session:
        submission = factories.SubmissionFactory(
            mission_id=mission_id,
            worker_id=worker_id,
            brand_id=brand_id,
            status=status,
            outcome=outcome,
            answers=answers or [],
            at=at,
            captured_at=captured_at,
            received_at=received_at or captured_at,
            photos=photos,
            mission_status="submitted",
        )
        photo_ids = session.scalars(
            select(Photo.id).where(Photo.submission_id == submission.id).order_by(Photo.position)
        ).all()
        return submission.id, list(photo_ids)


def fund(db: Database, mission_ids: list[str]) -> None:
    """Fund the campaigns of missions a factory published, as publishing does through the API:
    each mission's reward and bonus, so the ledger check holds once they are paid."""
    with db.transaction() as session:
        rows = session.execute(
            select(
                Mission.campaign_id,
                Mission.reward_amount_minor + Mission.bonus_minor,
                Mission.reward_currency,
            ).where(Mission.id.in_(mission_ids))
        ).all()
        for campaign_id, amount_minor, currency in rows:
            ledger.fund_campaign(
                db_session=session,
                campaign_id=campaign_id,
                amount_minor=amount_minor,
                currency=currency,
                now=datetime.now(UTC),
            )


def brand_and_admin(db: Database, brand_name: str, domain: str) -> tuple[str, User, User]:
    """A brand with one member (brand@<domain>) and an admin (admin@<domain>), neither able to
    sign in with a password: their tokens are made for them. The brand's id, the two users."""
    with db.transaction() as session:
        brand = Brand(name=brand_name)
        session.add(brand)
        session.flush()
        member = User(email=f"brand@{domain}", password_hash="x", role="brand", display_name="B")
        member.brand_id = brand.id
        admin = User(email=f"admin@{domain}", password_hash="x", role="admin", display_name="A")
        session.add_all([member, admin])
    return brand.id, member, admin
