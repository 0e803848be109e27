"""The market's world (a brand, campaigns, stores, workers) and a sequential client that
makes whole submissions with it: the warm-up and the operations measured alone."""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from sqlalchemy import func, select, update

from backend.campaigns.models import Campaign
from backend.db import Database
from backend.kernel.ids import new_id
from backend.ledger import service as ledger
from backend.missions.models import Mission
from backend.outbox.models import OutboxMessage
from backend.submissions.models import Submission
from bench.load.pool import PhotoPool
from bench.load.sizes import CAMPAIGNS, CHUNKS, PENDING, REWARD, SETTLE_S, SPREAD_DEG, WARM, Sizes
from tests.support.factories import token_for
from tests.support.load import bulk_workers
from tests.support.submitting import BRUSSELS, SKUS, honest_payload
from tests.support.tus import TUS
from tests.support.world import brand_and_admin, build

# -- the world -----------------------------------------------------------------------------


@dataclass
class World:
    worker_tokens: list[str]  # one per locust worker
    soak_tokens: list[str]  # the soak's, whose workers hold no claim left by the steps
    fault_tokens: list[str]  # the fault stretch's, likewise fresh
    spare_tokens: list[str]  # for the operations measured alone
    brand_token: str
    admin_token: str
    campaigns: list[str]  # the last one's submissions go to a person
    missions: dict[str, list[str]] = field(default_factory=dict)


def build_world(app: Any, sizes: Sizes) -> World:
    """A brand with CAMPAIGNS published, funded campaigns of 2 photos and 2 SKUs (the last
    reviewed by a person) over `missions` stores around Brussels, workers, a brand member and
    an admin."""
    db: Database = app.extensions["fairfield.db"]
    brand_id, member, admin = brand_and_admin(db, f"Market {new_id()[:8]}", "load.test")
    rng, share = random.Random(7), max(sizes.missions // CAMPAIGNS, sizes.rounds)
    points = [
        (
            BRUSSELS[0] + rng.uniform(-1, 1) * SPREAD_DEG,
            BRUSSELS[1] + rng.uniform(-1, 1) * SPREAD_DEG,
        )
        for _ in range(share * CAMPAIGNS)
    ]
    world = World(
        bulk_workers(db, sizes.users_step * sizes.max_steps),
        bulk_workers(db, sizes.users_step * sizes.max_steps),
        bulk_workers(db, sizes.users_step * sizes.max_steps) if sizes.faults_s else [],
        bulk_workers(db, sizes.rounds + WARM),
        token_for(app, member),
        token_for(app, admin),
        [],
    )
    # The last campaign sends every submission to a person: the admins' queue.
    for c in range(CAMPAIGNS):
        part, review = points[c * share : (c + 1) * share], c == CAMPAIGNS - 1
        campaign, ids = build(db, brand_id, part, skus=SKUS, review_required=review, reward=REWARD)
        world.campaigns.append(campaign)
        world.missions[campaign] = ids
    with db.transaction() as session:
        session.execute(
            update(Campaign).where(Campaign.id.in_(world.campaigns)).values(photos_required=2)
        )
        for campaign, ids in world.missions.items():
            ledger.fund_campaign(
                db_session=session,
                campaign_id=campaign,
                amount_minor=REWARD * len(ids),
                currency="EUR",
                now=datetime.now(UTC),
            )
    return world


# -- a sequential client: the warm-up and the operations measured alone -----------------------


class Caller:
    """One client over HTTP; an answer of another status than expected raises."""

    def __init__(self, host: str) -> None:
        self.host, self.session = host, requests.Session()

    def call(self, method: str, path: str, token: str, *ok: int, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} | kwargs.pop("headers", {})
        url = path if path.startswith("http") else self.host + path
        answer = self.session.request(method, url, headers=headers, timeout=120, **kwargs)
        if answer.status_code not in ok:
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer


def idempotency_key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def _declaration(photos: list[bytes], at: tuple[float, float]) -> dict[str, Any]:
    return {
        "payload": honest_payload(latitude=at[0], longitude=at[1]),
        "photos": [{"size": len(p), "sha256": hashlib.sha256(p).hexdigest()} for p in photos],
    }


def _patches(caller: Caller, token: str, url: str, data: bytes) -> None:
    size, offset = len(data) // CHUNKS + 1, 0
    while offset < len(data):
        headers = TUS | {
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        }
        chunk = data[offset : offset + size]
        answer = caller.call("PATCH", url, token, 204, data=chunk, headers=headers)
        offset = int(answer.headers["Upload-Offset"])


def open_missions(db: Database, campaign: str, n: int) -> list[tuple[str, float, float]]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Mission.id, Mission.latitude, Mission.longitude)
            .where(Mission.campaign_id == campaign, Mission.status == "open")
            .limit(n)
        ).all()
    if len(rows) < n:
        raise RuntimeError(f"only {len(rows)} open missions left of campaign {campaign}")
    return [(r.id, r.latitude, r.longitude) for r in rows]


def _machine_decided(db: Database, ids: list[str], timeout: float = SETTLE_S) -> None:
    """Wait until the machine has decided every one of these submissions."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.transaction(write=False) as session:
            left = session.scalar(
                select(func.count())
                .select_from(Submission)
                .where(Submission.id.in_(ids), Submission.status.in_(PENDING))
            )
        if not left:
            return
        time.sleep(0.05)
    raise AssertionError(f"{left} of {len(ids)} submissions undecided after {timeout} s")


def outbox_pending(db: Database) -> int:
    with db.transaction(write=False) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.done_at.is_(None))
            )
            or 0
        )


def drained(db: Database, timeout: float = SETTLE_S) -> None:
    """Wait until every outbox message is done (its task committed) and no submission waits
    for the machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.transaction(write=False) as session:
            waiting = session.scalar(
                select(func.count()).select_from(Submission).where(Submission.status.in_(PENDING))
            )
        if not waiting and not outbox_pending(db):
            return
        time.sleep(0.05)
    raise AssertionError(f"not drained after {timeout} s: {outbox_pending(db)} outbox messages")


@dataclass
class Submissions:
    """Submissions made one call at a time, every operation of theirs in its own window."""

    caller: Caller
    db: Database
    pool: PhotoPool
    tokens: list[str]
    missions: list[tuple[str, float, float]]
    assignments: list[str] = field(default_factory=list)
    uploads: list[tuple[str, str, bytes]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def claim(self) -> None:
        for token, (mission, _, _) in zip(self.tokens, self.missions, strict=True):
            path = f"/api/v1/missions/{mission}/claim"
            answer = self.caller.call("POST", path, token, 201, headers=idempotency_key())
            self.assignments.append(answer.json()["assignment_id"])

    def check_in(self) -> None:
        for token, assignment, (_, lat, lon) in zip(
            self.tokens, self.assignments, self.missions, strict=True
        ):
            at = {"latitude": lat, "longitude": lon, "accuracy_m": 8.0}
            self.caller.call(
                "POST", f"/api/v1/assignments/{assignment}/check-in", token, 200, json=at
            )

    def declare(self, first_pair: int, n: int) -> None:
        for i in range(n):
            token, assignment, (_, lat, lon) = self.tokens[i], self.assignments[i], self.missions[i]
            photos = self.pool.pair(first_pair + i)
            path = f"/api/v1/assignments/{assignment}/resumable-submission"
            body = _declaration(photos, (lat, lon))
            answer = self.caller.call(
                "POST", path, token, 201, json=body, headers=idempotency_key()
            ).json()
            self.ids.append(answer["submission_id"])
            for upload, photo in zip(answer["uploads"], photos, strict=True):
                self.uploads.append((token, upload["url"], photo))

    def head(self) -> None:
        for token, url, _ in self.uploads:
            answer = self.caller.call("HEAD", url, token, 200, 204, headers=TUS)
            assert answer.headers["Upload-Offset"] == "0", answer.headers

    def patch(self) -> None:
        """Every photo's PATCHes, then the wait for the machine's decisions (their validation)."""
        for token, url, photo in self.uploads:
            _patches(self.caller, token, url, photo)
        _machine_decided(self.db, self.ids)

    def whole(self, first_pair: int) -> None:
        """Claim, check in, declare, upload and wait for the decision: the warm-up."""
        self.claim()
        self.check_in()
        self.declare(first_pair, len(self.tokens))
        self.head()
        self.patch()
