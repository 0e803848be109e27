"""The ledger at scale: `fairfield ledger check` over a million entries of a consistent
synthetic ledger, then the review queue, review decisions and earnings beside it."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from backend.accounts.models import Brand, User
from backend.accounts.service import create_or_reset_admin
from backend.campaigns.models import Campaign
from backend.db import Base, Database
from backend.kernel.clock import utcnow
from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Assignment, Mission
from backend.payouts import rules as payout_rules
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.reconciliation import ledger as check
from backend.stores.models import Store
from backend.submissions.models import Decision, Photo, Submission
from backend.validation.reuse import index_values
from bench.common import bench_app, own_database, percentiles, settle, timed
from tests.support.factories import token_for

BRANDS, CAMPAIGNS_PER_BRAND, WORKERS = 5, 10, 5_000
# A worker asks for their whole balance after every tenth credit; the oldest requests went
# out in paid batches of 500, the next 2 % wait in open batches, the newest 1 % unbatched.
CREDITS_PER_PAYOUT, BATCH_SIZE = 10, 500
EARNINGS_LINES, REVIEW_SUBMISSIONS, PAGE, DEEP_PAGE = 1_000, 2_000, 50, 30
CHUNK, WARM = 10_000, 20
EUR, IBAN = "EUR", "BE68539007547034"
Rows = dict[type[Base], list[dict[str, Any]]]


def _minted() -> Iterator[str]:
    """Random version-4 UUIDs as backend.kernel.ids.new_id makes them, minted 100,000 at a time:
    one uuid4() each took a sixth of the load."""
    while True:
        raw = bytearray(os.urandom(16 * 100_000))
        raw[6::16] = bytes(b & 0x0F | 0x40 for b in raw[6::16])  # version 4
        raw[8::16] = bytes(b & 0x3F | 0x80 for b in raw[8::16])  # RFC 4122 variant
        h = raw.hex()
        for i in range(0, len(h), 32):
            x = h[i : i + 32]
            yield f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


_IDS = _minted()


def _new_id() -> str:
    return next(_IDS)


def _posting(rows: Rows, kind: str, entries: list[rules.Entry], at: datetime, **extra: Any) -> str:
    """One transaction and its entries, made by the ledger's own rules, as rows to insert."""
    transaction_id = _new_id()
    transaction = {"id": transaction_id, "kind": kind, "submission_id": None, "memo": None}
    rows.setdefault(LedgerTransaction, []).append(transaction | extra | {"created_at": at})
    rows.setdefault(LedgerEntry, []).extend(
        {
            "id": _new_id(),
            "transaction_id": transaction_id,
            "account": e.account,
            "amount_minor": e.amount_minor,
            "currency": e.currency,
            "created_at": at,
        }
        for e in entries
    )
    return transaction_id


def _insert(conn: Connection, rows: Rows) -> None:
    """Bulk inserts through the driver, parents first (in the order the tables were met):
    COPY on PostgreSQL (it halved the load there), executemany on SQLite; each value bound
    by its column's type as SQLAlchemy binds it, without SQLAlchemy's work per row."""
    driver = conn.connection.driver_connection
    assert driver is not None
    dialect, cursor = conn.dialect, driver.cursor()
    for model, values in rows.items():
        if not values:
            continue
        table, columns = model.__table__, list(values[0])
        binds = [table.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        bound = (
            [bind(row[c]) if bind else row[c] for bind, c in zip(binds, columns, strict=True)]
            for row in values
        )
        names = ", ".join(columns)
        if dialect.name == "postgresql":
            with cursor.copy(f"COPY {model.__tablename__} ({names}) FROM STDIN") as copy:
                for row in bound:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            sql = f"INSERT INTO {model.__tablename__} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(sql, bound)
    cursor.close()


def _store(brand_id: str, name: str, rng: random.Random, at: datetime) -> dict[str, Any]:
    return {
        "id": _new_id(),
        "brand_id": brand_id,
        "name": name,
        "latitude": 50.85 + rng.uniform(-0.5, 0.5),
        "longitude": 4.35 + rng.uniform(-0.8, 0.8),
        "geofence_m": 150,
        "created_at": at,
    }


def _campaign(
    rows: Rows, brand_id: str, reward: int, missions: int, at: datetime, **kw: Any
) -> str:
    """A published campaign whose budget, every mission's reward, came in as it went live."""
    campaign_id = _new_id()
    rows.setdefault(Campaign, []).append(
        {
            "id": campaign_id,
            "brand_id": brand_id,
            "name": f"Shelf audit {campaign_id[:8]}",
            "instructions": "Photograph the whole shelf.",
            "photos_required": 1,
            "review_required": False,
            "reward_amount_minor": reward,
            "reward_currency": EUR,
            "est_minutes": 15,
            "starts_at": at,
            "ends_at": utcnow() + timedelta(days=30),
            "status": "published",
            "created_at": at,
            "published_at": at,
        }
        | kw
    )
    funding = rules.funding(campaign_id=campaign_id, amount_minor=reward * missions, currency=EUR)
    _posting(rows, "campaign_funding", funding, at)
    return campaign_id


def _audit(
    rows: Rows, mission: dict[str, Any], worker_id: str, at: datetime, **submission: Any
) -> str:
    """A mission, its worker's assignment and submission (captured half an hour before
    `at`); returns the submission's id."""
    assignment_id, submission_id = _new_id(), _new_id()
    rows.setdefault(Mission, []).append(mission)
    rows.setdefault(Assignment, []).append(
        {
            "id": assignment_id,
            "mission_id": mission["id"],
            "worker_id": worker_id,
            "status": "submitted",
            "created_at": at - timedelta(hours=1),
            "expires_at": at + timedelta(hours=1),
            "ended_at": at - timedelta(minutes=30),
        }
    )
    rows.setdefault(Submission, []).append(
        {
            "id": submission_id,
            "assignment_id": assignment_id,
            "mission_id": mission["id"],
            "campaign_id": mission["campaign_id"],  # as the app writes it (0026)
            "worker_id": worker_id,
            "brand_id": mission["brand_id"],
            "outcome": "completed",
            "answers": [],
            "latitude": mission["latitude"],
            "longitude": mission["longitude"],
            "accuracy_m": 8.0,
            "captured_at": at - timedelta(minutes=30),
            "received_at": at - timedelta(minutes=29),
            "checks": [],
            "reasons": [],
            "flags": [],
        }
        | submission
    )
    return submission_id


def _mission(campaign: tuple[str, str, int], store: dict[str, Any], status: str) -> dict[str, Any]:
    campaign_id, brand_id, reward = campaign
    return {
        "id": _new_id(),
        "campaign_id": campaign_id,
        "store_id": store["id"],
        "brand_id": brand_id,
        "latitude": store["latitude"],
        "longitude": store["longitude"],
        "reward_amount_minor": reward,
        "reward_currency": EUR,
        "status": status,
        "created_at": store["created_at"],
    }


@dataclass
class _Ledger:
    """A year of audits: every approved submission credited once from its funded campaign,
    every tenth credit of a worker followed by a payout request of their whole balance."""

    conn: Connection
    admin_id: str
    per_campaign: int
    rng: random.Random
    start: datetime = field(default_factory=lambda: utcnow() - timedelta(days=370))
    workers: list[str] = field(default_factory=list)
    stores: list[list[dict[str, Any]]] = field(default_factory=list)
    campaigns: list[tuple[str, str, int]] = field(default_factory=list)
    owed: dict[int, list[int]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def audits(self) -> int:
        return self.per_campaign * BRANDS * CAMPAIGNS_PER_BRAND

    def people(self) -> None:
        """Brands, a store per mission of a campaign, funded campaigns, and the workers."""
        rows: Rows = {Brand: [], Store: [], User: []}
        for b in range(BRANDS):
            brand_id = _new_id()
            rows[Brand].append({"id": brand_id, "name": f"Ledger {b}", "created_at": self.start})
            self.stores.append(
                [_store(brand_id, f"S{j}", self.rng, self.start) for j in range(self.per_campaign)]
            )
            rows[Store] += self.stores[-1]
            for c in range(CAMPAIGNS_PER_BRAND):
                reward = 400 + 50 * ((b + c) % 9)
                campaign_id = _campaign(rows, brand_id, reward, self.per_campaign, self.start)
                self.campaigns.append((campaign_id, brand_id, reward))
        self.workers = [_new_id() for _ in range(WORKERS)]
        rows[User] = [
            {
                "id": worker_id,
                "email": f"ledger-worker-{i}@bench.test",
                "password_hash": "x",
                "role": "worker",
                "display_name": f"Worker {i}",
                "created_at": self.start,
            }
            for i, worker_id in enumerate(self.workers)
        ]
        _insert(self.conn, rows)

    def worker_of(self, k: int) -> int:
        # Worker 0 gets the credits that, with their payout requests, make ~EARNINGS_LINES
        # ledger lines; the rest go round the other workers.
        heavy = EARNINGS_LINES * CREDITS_PER_PAYOUT // (CREDITS_PER_PAYOUT + 1)
        return 0 if k % max(self.audits // heavy, 1) == 0 else 1 + k % (WORKERS - 1)

    def chunk(self, first: int, last: int) -> None:
        """Audits first to last-1, one every `step` over the year, each approved and paid."""
        step = timedelta(days=360) / self.audits
        rows: Rows = {}
        for k in range(first, last):
            campaign = self.campaigns[k % len(self.campaigns)]
            brand = k % len(self.campaigns) // CAMPAIGNS_PER_BRAND
            store = self.stores[brand][k // len(self.campaigns)]
            worker, at = self.worker_of(k), self.start + timedelta(days=1) + k * step
            submission_id = _audit(
                rows,
                _mission(campaign, store, "completed"),
                self.workers[worker],
                at,
                status="approved",
                decided_at=at,
            )
            credit = rules.approval(
                campaign_id=campaign[0],
                worker_id=self.workers[worker],
                reward_minor=campaign[2],
                currency=EUR,
            )
            _posting(rows, "submission_credit", credit, at, submission_id=submission_id)
            self.owe(rows, worker, campaign[2], at + step / 2)
        _insert(self.conn, rows)

    def owe(self, rows: Rows, worker: int, reward: int, at: datetime) -> None:
        """Count a credit; every tenth, the worker asks for their whole balance."""
        owed = self.owed.setdefault(worker, [0, 0])
        owed[0], owed[1] = owed[0] + 1, owed[1] + reward
        if owed[0] % CREDITS_PER_PAYOUT:
            return
        worker_id, amount = self.workers[worker], owed[1]
        entries = rules.payout_request(worker_id=worker_id, amount_minor=amount, currency=EUR)
        self.requests.append(
            {
                "id": _new_id(),
                "worker_id": worker_id,
                "amount_minor": amount,
                "currency": EUR,
                "iban": IBAN,
                "bic": None,
                "holder_name": f"Worker {worker}",
                "status": "pending",
                "batch_id": None,
                "transaction_id": _posting(rows, "payout_request", entries, at),
                "requested_at": at,
                "paid_at": None,
            }
        )
        owed[1] = 0

    def payouts(self) -> None:
        """The requests in batches, oldest first: paid (and settled), open, none."""
        unbatched, still_open = len(self.requests) // 100, len(self.requests) // 50
        paid_until = len(self.requests) - unbatched - still_open
        rows: Rows = {LedgerTransaction: [], LedgerEntry: [], PayoutBatch: []}
        for first, last, paid in (
            (0, paid_until, True),
            (paid_until, paid_until + still_open, False),
        ):
            for start in range(first, last, BATCH_SIZE):
                self.batch(rows, self.requests[start : min(start + BATCH_SIZE, last)], paid)
        rows[PayoutRequest] = self.requests
        _insert(self.conn, rows)

    def batch(self, rows: Rows, requests: list[dict[str, Any]], paid: bool) -> None:
        """One batch of requests; a paid one settled by one transit-to-bank transaction."""
        batch_id, total = _new_id(), sum(r["amount_minor"] for r in requests)
        created = requests[-1]["requested_at"] + timedelta(seconds=1)
        batch = {
            "id": batch_id,
            "status": "open",
            "currency": EUR,
            "total_minor": total,
            "count": len(requests),
            "message_id": payout_rules.message_id(batch_id),
            "created_by": self.admin_id,
            "created_at": created,
            "paid_by": None,
            "paid_at": None,
            "settlement_id": None,
        }
        for request in requests:
            request.update(status="batched", batch_id=batch_id)
        if paid:
            paid_at = created + timedelta(days=1)
            entries = rules.payout_settled(amount_minor=total, currency=EUR)
            memo = f"payout batch {batch_id}"
            settlement_id = _posting(rows, "payout_settled", entries, paid_at, memo=memo)
            batch.update(status="paid", paid_by=self.admin_id, paid_at=paid_at)
            batch["settlement_id"] = settlement_id
            for request in requests:
                request.update(status="paid", paid_at=paid_at)
        rows[PayoutBatch].append(batch)

    def build(self) -> None:
        self.people()
        for first in range(0, self.audits, CHUNK):
            self.chunk(first, min(first + CHUNK, self.audits))
        self.payouts()


ANSWERS = [{"sku": f"SKU-{i}", "count": 12 - i, "out_of_stock": False} for i in range(3)]


def _checks(near: bool, at: datetime) -> list[dict[str, Any]]:
    """The verdicts the pipeline leaves on a one-photo submission it sends to review."""
    found = [
        ("format", True, {"photo": 0, "format": "JPEG"}, True),
        ("pixels", True, {"photo": 0, "width": 4000, "height": 3000}, True),
        ("decodes", True, {"photo": 0, "reduced_to": [500, 375]}, True),
        ("trailing_data", True, {"photo": 0, "markup": None}, False),
        ("sharpness", True, {"photo": 0, "variance": 412.5, "min": 60.0}, False),
        ("exposure", True, {"photo": 0, "mean": 118.2, "clipped": 0.01}, False),
        ("exif_time", True, {"photo": 0, "taken_at": at.isoformat(), "skew_s": 41}, False),
        ("software", True, {"photo": 0, "software": None, "hint": None}, False),
        ("reuse", True, {"matches": [], "max_hamming": 7}, True),
        ("answers_complete", True, {"missing": [], "unknown": [], "repeated": []}, False),
        ("counts_plausible", True, {"skus": [], "max": 10_000}, False),
        ("out_of_stock_consistent", True, {"skus": []}, False),
        ("photos_required", True, {"sent": 1, "required": 1}, False),
        ("location", near, {"metres": 40.0 if near else 420.0, "geofence_m": 150}, False),
        ("travel_speed", True, {"previous": None}, False),
        ("captured_in_window", True, {"captured_at": at.isoformat()}, False),
    ]
    return [{"name": n, "passed": p, "detail": d, "hard": h} for n, p, d, h in found]


def _review_queue(ledger: _Ledger) -> list[str]:
    """Submissions awaiting a person: half doubted on location, half from a funded campaign
    that wants a person for every one."""
    now, half, brand_id = utcnow(), REVIEW_SUBMISSIONS // 2, ledger.campaigns[0][1]
    stores = [_store(brand_id, f"R{j}", ledger.rng, now - timedelta(days=3)) for j in range(half)]
    rows: Rows = {Store: stores}
    campaigns = [
        (_campaign(rows, brand_id, 600, half, now - timedelta(days=2), review_required=r), brand_id)
        for r in (False, True)
    ]
    ids = []
    for k in range(2 * half):
        at = now - timedelta(hours=20) + k * timedelta(hours=19) / REVIEW_SUBMISSIONS
        mission = _mission((*campaigns[k % 2], 600), stores[k // 2], "submitted")
        worker_id = ledger.workers[1 + k % (WORKERS - 1)]
        ids.append(_in_review(rows, mission, worker_id, at, k % 2 == 0, ledger.rng))
    _insert(ledger.conn, rows)
    return ids


def _in_review(
    rows: Rows,
    mission: dict[str, Any],
    worker_id: str,
    at: datetime,
    doubted: bool,
    rng: random.Random,
) -> str:
    """A submission the machine sent to review at `at`, with its photo and that decision."""
    flags = ["location"] if doubted else ["campaign_requires_review"]
    checks = _checks(not doubted, at)
    review = {
        "status": "in_review",
        "answers": ANSWERS,
        "checks": checks,
        "flags": flags,
        "review_rank": 0 if doubted else 1,
    }
    submission_id = _audit(rows, mission, worker_id, at, decided_at=at, **review)
    rows.setdefault(Decision, []).append(_machine_decision(submission_id, flags, checks, at))
    rows.setdefault(Photo, []).append(
        {
            "id": _new_id(),
            "submission_id": submission_id,
            "position": 0,
            "sha256": f"{rng.getrandbits(256):064x}",
            "size": 3_500_000,
            "received_at": at,
            **index_values(rng.getrandbits(64)),
        }
    )
    return submission_id


def _machine_decision(
    submission_id: str, flags: list[str], checks: list[dict[str, Any]], at: datetime
) -> dict[str, Any]:
    return {
        "id": _new_id(),
        "submission_id": submission_id,
        "status": "in_review",
        "actor": "machine",
        "actor_id": None,
        "reasons": [],
        "flags": flags,
        "comment": None,
        "evidence": {"checks": {c["name"]: c["passed"] for c in checks}},
        "appeal_id": None,
        "created_at": at,
    }


def _check(db: Database) -> dict[str, Any]:
    """check_ledger as `fairfield ledger check` runs it, in one snapshot, each invariant
    timed inside that one run; and what it covered."""
    per_invariant: dict[str, float] = {}

    def timing(name: str, invariant: check.Check) -> check.Check:
        def timed_invariant(session: Session) -> list[str]:
            started = time.perf_counter()
            found = invariant(session)
            per_invariant[name] = round(time.perf_counter() - started, 3)
            return found

        return timed_invariant

    timed_checks = tuple((name, timing(name, invariant)) for name, invariant in check.CHECKS)
    with db.transaction(write=False) as session, mock.patch.object(check, "CHECKS", timed_checks):
        if not db.is_sqlite:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        started = time.perf_counter()
        problems = check.check_ledger(db_session=session)
        whole = time.perf_counter() - started
        covered = check.summary(db_session=session)
    assert problems == [], f"{len(problems)} discrepancies, as {problems[:5]}"
    assert len(per_invariant) == len(timed_checks), "check_ledger ran other invariants"
    return {
        "ledger_entries": covered["entries"],
        "ledger_transactions": covered["transactions"],
        "accounts": covered["accounts"],
        "approved_submissions": covered["approved submissions"],
        "payout_requests": covered["payout requests"],
        "payout_batches": covered["payout batches"],
        "check_ledger_seconds": round(whole, 2),
        "check_seconds_per_invariant": per_invariant,
    }


def _latency(samples: list[float]) -> dict[str, float]:
    """percentiles() with the 95th beside the 50th and 99th."""
    ordered, base = sorted(samples), percentiles(samples)
    p95 = round(ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, 3)
    return {"p50_ms": base["p50_ms"], "p95_ms": p95, "p99_ms": base["p99_ms"], "n": base["n"]}


def _endpoints(
    app: Any, admin: User, worker: User, review: list[str], rounds: int
) -> tuple[dict[str, Any], list[str]]:
    """Review queue pages, approvals (each of another submission) and a worker's earnings,
    through the Flask test client; the latencies, and the submissions approved."""
    client = app.test_client()
    as_admin = {"Authorization": f"Bearer {token_for(app, admin)}"}
    as_worker = {"Authorization": f"Bearer {token_for(app, worker)}"}

    def get(path: str, headers: dict[str, str], **query: Any) -> dict[str, Any]:
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_json()
        body: dict[str, Any] = response.get_json()
        return body

    def queue(**cursor: str) -> dict[str, Any]:
        return get("/api/v1/review/queue", as_admin, limit=PAGE, **cursor)

    cursor: dict[str, str] = {}
    for _ in range(DEEP_PAGE - 1):
        cursor = {"cursor": queue(**cursor)["next_cursor"]}
    deep = queue(**cursor)
    assert len(deep["items"]) == PAGE
    assert deep["items"][0]["flagged"] is False
    approvals, decided = _approvals(client, as_admin, review, rounds)
    return {
        "review_queue_first_page": _latency(timed(queue, rounds, WARM)),
        f"review_queue_page_{DEEP_PAGE}_by_cursor": _latency(
            timed(lambda: queue(**cursor), rounds, WARM)
        ),
        "review_decision_approve": approvals,
        "me_earnings_first_page": _latency(
            timed(lambda: get("/api/v1/me/earnings", as_worker, limit=PAGE), rounds, WARM)
        ),
    }, decided


def _approvals(
    client: Any, headers: dict[str, str], review: list[str], rounds: int
) -> tuple[dict[str, float], list[str]]:
    """Approvals, each of another submission picked at random from those in review."""
    pending, decided = iter(random.Random(5).sample(review, rounds + WARM)), []

    def approve() -> None:
        decided.append(next(pending))
        response = client.post(
            f"/api/v1/submissions/{decided[-1]}/decision",
            json={"decision": "approve"},
            headers=headers,
        )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "approved"

    return _latency(timed(approve, rounds, WARM)), decided


def _per_campaign(entries: int) -> int:
    """Missions per campaign for about `entries` ledger entries: two per transaction, a
    transaction per credit, and per credit 1/10 of a payout request and 1/5,000 of a batch."""
    campaigns = BRANDS * CAMPAIGNS_PER_BRAND
    per_credit = 1 + 1 / CREDITS_PER_PAYOUT + 1 / (CREDITS_PER_PAYOUT * BATCH_SIZE)
    return max(round((entries / 2 - campaigns) / per_credit / campaigns), 1)


def _load(db: Database, admin_id: str, entries: int) -> tuple[_Ledger, list[str]]:
    """The ledger and the review queue, in one write transaction."""
    with db.transaction() as session:
        conn = session.connection()
        if db.is_sqlite:
            # Every chunk of random ids lands all over each index: keep their pages in memory
            # rather than spill them to the WAL again and again (1 GB, this connection only).
            conn.exec_driver_sql("PRAGMA cache_size = -1000000")
        ledger = _Ledger(conn, admin_id, _per_campaign(entries), random.Random(11))
        ledger.build()
        review = _review_queue(ledger)
    db.engine.dispose()  # new connections, with the app's own cache size
    return ledger, review


def run(url: str, broker: str, var: str, entries: int, rounds: int) -> dict[str, Any]:
    """Build a consistent ledger of about `entries` entries, check it, time the endpoints."""
    assert rounds + WARM <= REVIEW_SUBMISSIONS, "each approval needs a submission of its own"
    began = time.perf_counter()
    # Ledger rows cannot be deleted (append-only), and the shared database holds other
    # sections' submissions, which a check of the whole ledger would read.
    with own_database(url, "fairfield_bench_ledger") as own:
        app = bench_app(own, broker, var)
        db = app.extensions["fairfield.db"]
        with app.app_context(), db.transaction() as session:
            admin, _ = create_or_reset_admin(
                db_session=session, email="ledger@fairfield.test", password="bench password!"
            )
        ledger, review = _load(db, admin.id, entries)
        settle(db)
        loaded = time.perf_counter() - began
        checked = _check(db)
        with db.transaction(write=False) as session:
            worker = session.get_one(User, ledger.workers[0])
            lines = session.scalar(
                select(func.count(LedgerEntry.id)).where(
                    LedgerEntry.account == rules.worker_account(worker.id)
                )
            )
        latencies, decided = _endpoints(app, admin, worker, review, rounds)
        with db.transaction(write=False) as session:
            credited = session.scalar(
                select(func.count(LedgerTransaction.id)).where(
                    LedgerTransaction.kind == check.CREDIT,
                    LedgerTransaction.submission_id.in_(decided),
                )
            )
        assert credited == len(decided), f"{credited} credits for {len(decided)} approvals"
        db.engine.dispose()
    return {
        **checked,
        "load_seconds": round(loaded, 1),
        "review_queue_in_review": len(review),
        "earnings_worker_ledger_lines": lines,
        **latencies,
        "section_seconds": round(time.perf_counter() - began, 1),
    }
