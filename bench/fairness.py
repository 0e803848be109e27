"""Fair-work read endpoints at scale: brand scorecards, the fairness report (JSON and PNG)
and a mission as a worker sees it, over a synthetic history of decided submissions."""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from backend.accounts import rules as account_rules
from backend.accounts.models import ApiToken, Brand, User
from backend.campaigns.models import Campaign
from backend.db import Base, Database
from backend.kernel.clock import utcnow
from backend.kernel.ids import new_id
from backend.ledger import rules
from backend.ledger.models import LedgerEntry, LedgerTransaction
from backend.missions.models import Assignment, Mission
from backend.payouts import rules as payout_rules
from backend.payouts.models import PayoutBatch, PayoutRequest
from backend.review.models import Appeal
from backend.stores.models import Store
from backend.submissions.models import Decision, Submission
from bench.common import bench_app, percentiles, settle, timed
from tests.support.tables import empty_tables

BRANDS, CAMPAIGNS_PER_BRAND, OPEN_PER_CAMPAIGN, PER_WORKER = 20, 5, 50, 25
OLDEST, NEWEST = 100, 7  # days ago the submissions came in; the 90-day window takes ~90 %
REJECT, APPEAL, REVERSE, UPHOLD = 0.10, 0.40, 0.35, 0.50  # the other appeals still open
REVIEWED, CLOSED, BONUS, CREDITS_PER_PAYOUT = 0.25, 0.03, 0.10, 5
EUR, IBAN, WARM = "EUR", "BE68539007547034", 10
HOUR, WEEK = timedelta(hours=1), timedelta(days=7)
REPORT, PNG = "/api/v1/admin/fairness", b"\x89PNG\r\n\x1a\n"
COUNTED = (Submission, Decision, Appeal, Mission, LedgerEntry, PayoutRequest)
# Each row's constant columns; the tables in load order, parents before children.
FIXED: dict[type[Base], dict[str, Any]] = {
    Brand: {},
    User: {"password_hash": "x"},
    ApiToken: {},
    Store: {"geofence_m": 150},
    Campaign: {"instructions": "Shelf.", "photos_required": 1, "reward_currency": EUR},
    Mission: {"reward_currency": EUR},
    Assignment: {"status": "submitted"},
    Submission: {"accuracy_m": 8.0, "answers": [], "checks": [], "flags": []},
    Appeal: {"message": "The shelf is in the photo."},
    Decision: {"comment": None, "evidence": {}},
    LedgerTransaction: {"submission_id": None, "memo": None},
    LedgerEntry: {"currency": EUR},
    PayoutBatch: {"currency": EUR, "status": "open", "paid_by": None, "paid_at": None},
    PayoutRequest: {"currency": EUR, "iban": IBAN, "bic": None, "status": "pending"},
}


class _History:
    """Decided submissions over 100 days: machine or reviewer decisions, appeals, a credit
    per approval, weekly payout batches of the balances workers asked for."""

    def __init__(self, seed: int) -> None:
        self.rng, self.now = random.Random(seed), utcnow()
        self.start = self.now - timedelta(days=OLDEST + 5)
        self.rows: dict[type[Base], list[dict[str, Any]]] = {t: [] for t in FIXED}
        self.admins: list[str] = []  # the API's, the reviewer, the appeals reviewer
        self.workers: list[str] = []
        self.campaigns: list[tuple[str, str, int]] = []  # id, brand id, reward
        self.tokens = [account_rules.new_token() for _ in range(2)]  # an admin's, a worker's
        self.credits: list[tuple[datetime, int, int]] = []  # when, worker, amount

    def add(self, table: type[Base], **values: Any) -> dict[str, Any]:
        self.rows[table].append({"id": new_id()} | FIXED[table] | values)
        return self.rows[table][-1]

    def post(self, kind: str, entries: list[rules.Entry], at: datetime, **extra: Any) -> str:
        """A ledger transaction and its entries, as the ledger's own rules make them."""
        tid = self.add(LedgerTransaction, kind=kind, created_at=at, **extra)["id"]
        for e in entries:
            self.add(LedgerEntry, transaction_id=tid, account=e.account, created_at=at)
            self.rows[LedgerEntry][-1]["amount_minor"] = e.amount_minor
        return tid

    def people(self, picks: Counter[int]) -> None:
        """Workers, two reviewers, brands and their campaigns, each funded for its missions."""
        tag, at = new_id()[:8], self.start
        workers = max(picks.total() // PER_WORKER, 10)  # ~25 audits each
        for i in range(workers + 3):
            role = "worker" if i < workers else "admin"
            user = self.add(User, email=f"fair{i}-{tag}@bench.test", role=role, created_at=at)
            user["display_name"] = f"Fair {i}"
            (self.workers if i < workers else self.admins).append(user["id"])
        for raw, uid in zip(self.tokens, (self.admins[0], self.workers[0]), strict=True):
            digest, expires = account_rules.token_digest(raw), self.now + WEEK
            self.add(ApiToken, token_hash=digest, user_id=uid, expires_at=expires)
        for b in range(BRANDS):
            brand_id = self.add(Brand, name=f"Fair {b} {tag}", created_at=at)["id"]
            for c in range(b * CAMPAIGNS_PER_BRAND, (b + 1) * CAMPAIGNS_PER_BRAND):
                est = self.rng.choice((10, 15, 20, 30, 45, 60))
                rate = self.rng.randrange(1000, 2100, 100)  # per active hour: some under 12.00
                reward = round(rate * (est + 15) / 600) * 10
                campaign = self.add(Campaign, brand_id=brand_id, name=f"Audit {c}", est_minutes=est)
                campaign |= {"reward_amount_minor": reward, "starts_at": at, "created_at": at}
                campaign |= {"ends_at": self.now + WEEK, "status": "published", "published_at": at}
                budget = 2 * reward * (picks[c] + OPEN_PER_CAMPAIGN)  # room for bonuses
                funds = rules.funding(campaign_id=campaign["id"], amount_minor=budget, currency=EUR)
                self.post("campaign_funding", funds, at)
                self.campaigns.append((campaign["id"], brand_id, reward))

    def mission(self, c: int, status: str) -> dict[str, Any]:
        """A mission of campaign `c` at a store of its own around Brussels."""
        campaign_id, brand_id, reward = self.campaigns[c]
        where = {"latitude": 50.85 + self.rng.uniform(-0.5, 0.5)}
        where["longitude"] = 4.35 + self.rng.uniform(-0.8, 0.8)
        store = self.add(Store, brand_id=brand_id, name="Store", created_at=self.start, **where)
        mission = self.add(Mission, campaign_id=campaign_id, store_id=store["id"], **where)
        mission |= {"brand_id": brand_id, "reward_amount_minor": reward, "created_at": self.start}
        bonus = self.rng.choice((100, 200, 300)) if self.rng.random() < BONUS else 0
        mission |= {"bonus_minor": bonus, "status": status}
        mission["show_up_minor"] = max(reward // 2, 200)
        return mission

    def decision(
        self, sid: str, status: str, actor: str, at: datetime, appeal: str | None = None
    ) -> None:
        by = None if actor == "machine" else self.admins[2 if appeal else 1]
        row = self.add(Decision, submission_id=sid, status=status, actor=actor, created_at=at)
        flags = ["location"] if status == "in_review" else []
        row |= {"actor_id": by, "appeal_id": appeal, "flags": flags}
        row["reasons"] = ["photo_unusable"] if status == "rejected" else []

    def submission(self, c: int) -> None:
        """One submission decided by the machine, or a reviewer; maybe appealed; credited."""
        rng, worker = self.rng, self.rng.randrange(len(self.workers))
        received = self.now - timedelta(days=rng.uniform(NEWEST, OLDEST))
        mission, closed = self.mission(c, "submitted"), rng.random() < CLOSED
        who = {"mission_id": mission["id"], "worker_id": self.workers[worker]}
        held = self.add(Assignment, created_at=received - HOUR, ended_at=received, **who)
        held["expires_at"] = received + HOUR
        row = self.add(Submission, assignment_id=held["id"], brand_id=mission["brand_id"], **who)
        row |= {"latitude": mission["latitude"], "longitude": mission["longitude"]}
        row |= {"captured_at": received, "received_at": received}
        at = received + timedelta(seconds=rng.uniform(30, 150))
        final, reviewed = "rejected" if rng.random() < REJECT else "approved", rng.random()
        if reviewed < REVIEWED:
            self.decision(row["id"], "in_review", "machine", at)
            at += timedelta(hours=min(rng.lognormvariate(1.8, 0.9), 72))  # median 6 h
        self.decision(row["id"], final, "admin" if reviewed < REVIEWED else "machine", at)
        # What the write paths keep on the submission: its campaign, its first decision.
        row |= {
            "campaign_id": mission["campaign_id"],
            "decision_seconds": (at - received).total_seconds(),
        }
        row |= {"credited_minor": None, "credited_currency": None}
        status = final
        if final == "rejected" and rng.random() < APPEAL:
            rejecter = self.admins[1] if reviewed < REVIEWED else None
            status, at = self.appeal(row["id"], worker, at, rejecter)
        if status == "approved":
            row["credited_minor"] = self.credit(row["id"], mission, worker, at, closed)
            row["credited_currency"] = EUR
        row |= {"outcome": "store_closed" if closed else "completed", "status": status}
        row |= {"decided_at": at, "reasons": [] if status == "approved" else ["photo_unusable"]}

    def appeal(self, sid: str, worker: int, at: datetime, by: str | None) -> tuple[str, datetime]:
        """An appeal of the rejection at `at`; the submission's status and decision time."""
        created, r = at + timedelta(hours=self.rng.uniform(1, 48)), self.rng.random()
        status = "approved" if r < REVERSE else "rejected" if r < REVERSE + UPHOLD else "open"
        decided = None if status == "open" else created + timedelta(hours=self.rng.uniform(2, 72))
        appeal = self.add(Appeal, submission_id=sid, worker_id=self.workers[worker], status=status)
        appeal |= {"rejected_by": by, "created_at": created, "decided_at": decided}
        appeal["decided_by"] = None if decided is None else self.admins[2]
        if decided is None:
            return "appealed", at
        self.decision(sid, status, "admin", decided, appeal["id"])
        return status, decided

    def credit(
        self, sid: str, mission: dict[str, Any], worker: int, at: datetime, closed: bool
    ) -> int:
        """Reward and bonus (show-up pay if the store was closed) from campaign to worker;
        the amount."""
        pay = mission["reward_amount_minor"] + mission["bonus_minor"]
        amount, cid = mission["show_up_minor"] if closed else pay, mission["campaign_id"]
        wid = self.workers[worker]
        entries = rules.approval(campaign_id=cid, worker_id=wid, reward_minor=amount, currency=EUR)
        self.post("submission_credit", entries, at, submission_id=sid)
        self.credits.append((at, worker, amount))
        mission["status"] = "store_closed" if closed else "completed"
        return amount

    def payouts(self) -> None:
        """Every fifth credit a worker asks for their balance; requests go out weekly."""
        owed: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        weeks: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for at, worker, amount in sorted(self.credits):
            counts = owed[worker]
            counts[0], counts[1] = counts[0] + 1, counts[1] + amount
            if counts[0] % CREDITS_PER_PAYOUT == 0:
                asked = min(at + timedelta(hours=self.rng.uniform(0, 24)), self.now)
                wid = self.workers[worker]
                entries = rules.payout_request(worker_id=wid, amount_minor=counts[1], currency=EUR)
                tid = self.post("payout_request", entries, asked)
                request = self.add(PayoutRequest, worker_id=wid, amount_minor=counts[1])
                request |= {"holder_name": f"Fair {worker}", "transaction_id": tid}
                request |= {"requested_at": asked, "paid_at": None, "batch_id": None}
                request["paid_after_seconds"] = None
                weeks[(asked - self.start) // WEEK].append(request)
                counts[1] = 0
        for week, requests in weeks.items():
            if self.start + (week + 1) * WEEK < self.now:
                self.batch(requests, self.start + (week + 1) * WEEK)

    def batch(self, requests: list[dict[str, Any]], created: datetime) -> None:
        """A week's requests, paid 1-3 days after the week ends (open while that is ahead)."""
        total = sum(r["amount_minor"] for r in requests)
        paid_at = created + timedelta(days=self.rng.uniform(1, 3))
        paid = paid_at < self.now
        batch = self.add(PayoutBatch, total_minor=total, count=len(requests), settlement_id=None)
        batch |= {"created_by": self.admins[1], "created_at": created}
        batch["message_id"] = payout_rules.message_id(batch["id"])
        if paid:
            entries = rules.payout_settled(amount_minor=total, currency=EUR)
            memo = f"payout batch {batch['id']}"
            batch["settlement_id"] = self.post("payout_settled", entries, paid_at, memo=memo)
            batch |= {"status": "paid", "paid_by": self.admins[1], "paid_at": paid_at}
        for request in requests:
            request |= {"status": "paid" if paid else "batched", "batch_id": batch["id"]}
            request["paid_at"] = paid_at if paid else None
            # As marking the batch paid keeps it.
            delay = (paid_at - request["requested_at"]).total_seconds()
            request["paid_after_seconds"] = delay if paid else None

    def build(self, submissions: int) -> None:
        weights = [self.rng.lognormvariate(0, 0.8) for _ in range(BRANDS * CAMPAIGNS_PER_BRAND)]
        picks = self.rng.choices(range(len(weights)), weights, k=submissions)
        self.people(Counter(picks))
        for c in picks:
            self.submission(c)
        for c in range(len(self.campaigns)):
            for _ in range(OPEN_PER_CAMPAIGN):
                self.mission(c, "open")
        self.payouts()


def _load(db: Database, submissions: int) -> _History:
    """The history, built in memory, inserted (executemany) in one write transaction."""
    history = _History(23)
    history.build(submissions)
    with db.transaction() as session:
        for table, values in history.rows.items():
            if values:  # no rows would insert one of defaults
                session.execute(insert(table), values)
    return history


def _figures(get: Any, history: _History) -> dict[str, Any]:
    """The report and the busiest brand's scorecard, checked to be figures of this history."""
    report, rows = get(REPORT).get_json(), history.rows[Submission]
    busiest = Counter(row["brand_id"] for row in rows).most_common(1)[0][0]
    card = get(f"/api/v1/brands/{busiest}/scorecard").get_json()
    decided, pay, paid = report["time_to_decision"], report["hourly_pay"], report["time_to_payout"]
    assert 0.8 * len(rows) < decided["count"] < len(rows)
    assert 0 < pay["below_floor"] < pay["count"] < len(rows)
    assert 0 < report["missions_below_floor"]["share"] < 1
    assert paid["count"] > 0
    assert 0 < card["rejection"]["rate"] < 1
    assert 0 < card["appeal_reversal"]["share"] < 1
    assert card["hourly_pay"]["count"] > 0
    return {
        "decided_in_window": decided["count"],
        "hourly_pay_median_minor": pay["median"]["amount_minor"],
        "payout_median_days": round(paid["median_seconds"] / 86400, 2),
        "busiest_brand_rejection_rate": round(card["rejection"]["rate"], 4),
        "busiest_brand_reversal_share": round(card["appeal_reversal"]["share"], 4),
    }


def _endpoints(app: Any, history: _History, rounds: int) -> dict[str, Any]:
    """Each endpoint through the Flask test client, after warm calls: the scorecard of each
    brand in turn, and an open mission of each campaign in turn, from a kilometre away."""
    client = app.test_client()
    as_admin, as_worker = ({"Authorization": f"Bearer {raw}"} for raw in history.tokens)

    def get(path: str, headers: dict[str, str] = as_admin, **query: Any) -> Any:
        response = client.get(path, query_string=query, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response

    brands = itertools.cycle([brand["id"] for brand in history.rows[Brand]])
    opened = [m for m in history.rows[Mission] if m["status"] == "open"]
    missions = itertools.cycle(opened[::OPEN_PER_CAMPAIGN])  # one of each campaign

    def scorecard() -> None:
        assert get(f"/api/v1/brands/{next(brands)}/scorecard", as_worker).json["rejection"]

    def mission() -> None:
        m = next(missions)
        near = {"latitude": m["latitude"] + 0.009, "longitude": m["longitude"]}
        body = get(f"/api/v1/missions/{m['id']}", as_worker, **near).get_json()
        assert body["effective_hourly_rate"] is not None
        assert body["brand"]["scorecard_url"] == f"/api/v1/brands/{m['brand_id']}/scorecard"

    def chart() -> None:
        assert get(REPORT, format="png").data.startswith(PNG)

    figures = _figures(get, history)
    return {
        "brand_scorecard_as_worker": percentiles(timed(scorecard, rounds, WARM)),
        "admin_fairness_report_json": percentiles(
            timed(lambda: get(REPORT), max(rounds // 4, 5), 5)
        ),
        "admin_fairness_report_png": percentiles(timed(chart, max(rounds // 20, 5), 2)),
        "mission_for_worker_with_position": percentiles(timed(mission, rounds, WARM)),
        "figures": figures,
    }


def run(url: str, broker: str, var: str, submissions: int, rounds: int) -> dict[str, Any]:
    """Load `submissions` decided submissions with their money, time the fair-work reads."""
    began = time.perf_counter()
    app = bench_app(url, broker, var)
    db = app.extensions["fairfield.db"]
    try:
        history = _load(db, submissions)
        settle(db)
        loaded = time.perf_counter() - began
        timings = _endpoints(app, history, rounds)
    finally:
        empty_tables(db)
        db.engine.dispose()
    return {
        **{f"{t.__tablename__}_rows": len(history.rows[t]) for t in COUNTED},
        "load_seconds": round(loaded, 1),
        **timings,
        "section_seconds": round(time.perf_counter() - began, 1),
    }
