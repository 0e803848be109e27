"""Demo data: two brands, stores around Brussels and Amsterdam, a live campaign, workers."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.accounts.models import Brand, User
from backend.accounts.service import create_or_reset_admin, register_user
from backend.campaigns.rules import CampaignDraft
from backend.campaigns.service import create_campaign, publish_campaign
from backend.kernel.clock import utcnow
from backend.stores.service import create_store

DEMO_PASSWORD = "fairfield-demo"  # noqa: S105 (demo data, printed on purpose)
CITIES = {"Brussels": (50.8467, 4.3525), "Amsterdam": (52.3731, 4.8926)}
CHAINS = ("Delhaize", "Carrefour", "Albert Heijn", "Colruyt", "Jumbo", "Lidl", "Aldi")
BRANDS = (
    ("brand@hygiene.demo", "Demo Hygiene Co", "Hygiene brand manager"),
    ("brand@water.demo", "Demo Mineral Water", "Water brand manager"),
)
WORKERS = (
    ("ana@worker.demo", "Ana"),
    ("bram@worker.demo", "Bram"),
    ("chloe@worker.demo", "Chloé"),
)
ADMIN = "admin@fairfield.demo"

Progress = Callable[[str, int], AbstractContextManager[Any]]


def seed(
    *, db_session: Session, stores: int, random_seed: int, progress: Progress
) -> list[tuple[str, str]]:
    """Create the demo data once; a second run changes nothing and prints the same logins."""
    logins = (
        [("admin", ADMIN)] + [("brand", b[0]) for b in BRANDS] + [("worker", w[0]) for w in WORKERS]
    )
    if db_session.scalar(select(Brand.id).where(Brand.name == BRANDS[0][1])):
        return logins
    rng = random.Random(random_seed)
    brand_users = _people(db_session)
    store_ids = _stores(db_session, brand_users, count=stores, rng=rng, progress=progress)
    hygiene = brand_users[0]
    _live_campaign(db_session, brand_id=_brand_id(hygiene), store_ids=store_ids[hygiene.id])
    return logins


def _people(db_session: Session) -> list[User]:
    """The admin, the workers and the brand managers, each with a brand; returns the managers."""
    create_or_reset_admin(db_session=db_session, email=ADMIN, password=DEMO_PASSWORD)
    for email, name in WORKERS:
        register_user(
            db_session=db_session,
            email=email,
            password=DEMO_PASSWORD,
            role="worker",
            display_name=name,
            verified=True,
        )
    return [
        register_user(
            db_session=db_session,
            email=email,
            password=DEMO_PASSWORD,
            role="brand",
            display_name=display,
            brand_name=brand,
            verified=True,
        )
        for email, brand, display in BRANDS
    ]


def _stores(
    db_session: Session,
    brand_users: list[User],
    *,
    count: int,
    rng: random.Random,
    progress: Progress,
) -> dict[str, list[str]]:
    """`count` stores scattered around the cities, dealt to the brands in turn; their ids
    by brand manager."""
    store_ids: dict[str, list[str]] = {u.id: [] for u in brand_users}
    with progress("stores", count) as bar:
        for i in range(count):
            city, (lat, lon) = list(CITIES.items())[i % len(CITIES)]
            owner = brand_users[i % len(brand_users)]
            dlat, dlon = _scatter(rng, lat, sigma_m=3000)
            chain = rng.choice(CHAINS)
            store = create_store(
                db_session=db_session,
                brand_id=_brand_id(owner),
                name=f"{chain} {city} {i + 1}",
                chain=chain,
                address=f"{city}, demo street {i + 1}",
                latitude=round(lat + dlat, 6),
                longitude=round(lon + dlon, 6),
                external_ref=f"DEMO-{i + 1:04d}",
            )
            store_ids[owner.id].append(store.id)
            bar.update(1)
    return store_ids


def _live_campaign(db_session: Session, *, brand_id: str, store_ids: list[str]) -> None:
    """The hygiene brand's shelf audit, published, at every one of its stores."""
    now = utcnow()
    draft = CampaignDraft(
        name="Sanitary towels shelf audit",
        instructions="Count the facings of each product, flag any out of stock, and "
        "photograph the whole shelf.",
        products=[
            {"sku": "ST-ULTRA-14", "name": "Ultra thin, 14 pack"},
            {"sku": "ST-NIGHT-10", "name": "Night, 10 pack"},
            {"sku": "ST-ORGANIC-12", "name": "Organic cotton, 12 pack"},
        ],
        photos_required=2,
        photo_instructions="One photo of the whole shelf, edge to edge; one of the price labels "
        "under the products.",
        reward_amount_minor=600,
        reward_currency="EUR",
        est_minutes=15,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=30),
        store_ids=store_ids,
    )
    campaign = create_campaign(db_session=db_session, brand_id=brand_id, draft=draft)
    publish_campaign(db_session=db_session, campaign=campaign)


def _brand_id(user: User) -> str:
    assert user.brand_id is not None
    return user.brand_id


def _scatter(rng: random.Random, lat: float, *, sigma_m: float) -> tuple[float, float]:
    """A Gaussian offset in degrees around a point, sigma given in metres."""
    north, east = rng.gauss(0, sigma_m), rng.gauss(0, sigma_m)
    return north / 111_320, east / (111_320 * math.cos(math.radians(lat)))
