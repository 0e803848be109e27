"""Recurring campaigns as the tests drive them: a brand with its headers, a published weekly
campaign, the sweep run at a day after publishing (time injected), and reads of its missions,
rounds and results. The fixture `brand` is used by importing it into a test module."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from backend.missions.models import Mission
from tests.support.campaigns import NOW, campaign_body, decide, euros, evidence
from tests.support.factories import StoreFactory, UserFactory
from workers.campaigns import open_due_rounds

API = "/api/v1"
DAY = timedelta(days=1)


@pytest.fixture
def brand(make, auth_headers):
    user = make(UserFactory, brand_user=True)
    return user, auth_headers(user)


def top_up(client, headers, amount_minor: int) -> dict[str, Any]:
    response = client.post(
        f"{API}/organisation/balance/top-ups",
        json={"amount": euros(amount_minor)},
        headers=headers,
    )
    assert response.status_code == 201, response.json
    return dict(response.json["balance"])


def weekly(client, make, brand, stores: int = 3, **overrides: Any) -> tuple[dict[str, Any], list]:
    """A published weekly campaign (600 a store) over new stores: its JSON and the stores."""
    user, headers = brand
    store_ids = [make(StoreFactory, brand_id=user.brand_id).id for _ in range(stores)]
    body = campaign_body(
        store_ids,
        schedule={"every_days": 7},
        ends_at=(NOW + 30 * DAY).isoformat(),
        **overrides,
    )
    created = client.post(f"{API}/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["schedule"] == {"every_days": 7}
    assert created.json["rounds"] is None  # a draft has opened none
    published = client.post(f"{API}/campaigns/{created.json['id']}/publish", headers=headers)
    assert published.status_code == 200, published.json
    return dict(published.json), store_ids


def sweep(campaign: dict[str, Any], days: float) -> int:
    """The beat task, run here at `days` after the campaign was published."""
    at = datetime.fromisoformat(campaign["published_at"]) + days * DAY
    return int(open_due_rounds(now=at.isoformat()))


def missions(db, campaign_id: str) -> dict[tuple[str, int], tuple[str, str]]:
    """(store, round) -> (mission id, status)."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Mission.store_id, Mission.round, Mission.id, Mission.status).where(
                Mission.campaign_id == campaign_id
            )
        )
        return {(s, r): (i, status) for s, r, i, status in rows}


def claim(client, make, auth_headers, mission_id: str) -> None:
    response = client.post(
        f"{API}/missions/{mission_id}/claim", headers=auth_headers(make(UserFactory))
    )
    assert response.status_code == 201, response.json


def approve(db, make, brand, mission_id: str, out_of_stock: list[str]) -> None:
    answers = [
        {"sku": sku, "count": 0 if sku in out_of_stock else 4, "out_of_stock": sku in out_of_stock}
        for sku in ("A-1", "B-2")
    ]
    submission_id, _ = evidence(
        db,
        mission_id=mission_id,
        worker_id=make(UserFactory).id,
        brand_id=brand[0].brand_id,
        answers=answers,
    )
    decide(db, submission_id, "approved")


def rounds(client, headers, campaign_id: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/campaigns/{campaign_id}/rounds", headers=headers)
    assert response.status_code == 200, response.json
    return list(response.json["items"])


def results(client, headers, campaign_id: str, query: str = "") -> Any:
    return client.get(f"{API}/campaigns/{campaign_id}/results{query}", headers=headers)
