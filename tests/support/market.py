"""A market day's people as HTTP clients: workers who browse, claim, check in and submit with
tus, brands who read their results, an admin who works the review queue. Each retries as a
phone does: a request that failed on the way (a cut connection, a 5xx, a full disk's 507) is
sent again after a pause, a write with the same Idempotency-Key, an upload from the offset
HEAD gives. What each got is kept, to be checked against the database afterwards."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.support.submitting import BRUSSELS, honest_payload
from tests.support.tus import TUS, declaration

CHUNKS = 3  # tus PATCHes a photo
PAUSE_S = 0.3  # before a request is sent again
GIVE_UP_S = 90.0  # a request that fails this long fails the test


class GaveUp(Exception):
    """A request kept failing past GIVE_UP_S."""


@dataclass
class Tally:
    """What the clients saw, across threads."""

    statuses: Counter[str] = field(default_factory=Counter)
    declared: set[str] = field(default_factory=set)  # submissions whose every photo is in
    decided: Counter[str] = field(default_factory=Counter)  # admin decisions answered 200
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, what: str, response: requests.Response | None) -> None:
        status = "cut" if response is None else str(response.status_code)
        with self.lock:
            self.statuses[f"{what} {status}"] += 1


@dataclass
class Client:
    """One person's HTTP client of the API at `base` (its /api/v1 URL)."""

    base: str
    token: str
    tally: Tally
    stop: threading.Event
    session: requests.Session = field(default_factory=requests.Session)

    def url(self, path: str) -> str:
        """`path` under /api/v1 ("/me"), or one the API gave ("/api/v1/uploads/<id>")."""
        return self.base + path.removeprefix("/api/v1")

    def call(
        self, what: str, method: str, path: str, *, ok: Callable[[int], bool], **kwargs: Any
    ) -> requests.Response:
        """Send until the answer is one `ok` takes, pausing after a cut, a 5xx or a 429."""
        url = self.url(path)
        headers = {"Authorization": f"Bearer {self.token}"} | kwargs.pop("headers", {})
        deadline = time.monotonic() + GIVE_UP_S
        while True:
            try:
                answer: requests.Response | None = self.session.request(
                    method, url, headers=headers, timeout=30, **kwargs
                )
            except requests.RequestException:
                answer = None
            self.tally.saw(what, answer)
            if answer is not None and ok(answer.status_code):
                return answer
            if answer is not None and answer.status_code < 500 and answer.status_code != 429:
                raise AssertionError(f"{what}: {answer.status_code} {answer.text[:300]}")
            if time.monotonic() > deadline:
                raise GaveUp(f"{what} failed for {GIVE_UP_S} s")
            time.sleep(PAUSE_S)


def only(*statuses: int) -> Callable[[int], bool]:
    return lambda status: status in statuses


class Worker(Client):
    """Browses nearby, reads a mission, claims it, checks in, declares the submission and sends
    its photos with tus, then polls it once; again and again until stopped."""

    def day(self, photos: Callable[[], list[bytes]]) -> None:
        while not self.stop.is_set():
            nearby = self.call(
                "nearby",
                "GET",
                "/missions/nearby",
                params={"latitude": BRUSSELS[0], "longitude": BRUSSELS[1], "radius_m": 5000},
                ok=only(200),
            ).json()["items"]
            if not nearby:
                return
            mission = nearby[int(uuid.uuid4().int % len(nearby))]["id"]
            # Another worker may take it meanwhile: then it is no longer to be seen (404), or
            # no longer to be claimed (409).
            if self.call("mission", "GET", f"/missions/{mission}", ok=only(200, 404)).ok:
                claim = self.call(
                    "claim",
                    "POST",
                    f"/missions/{mission}/claim",
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                    ok=only(201, 404, 409),
                )
                if claim.status_code == 201:
                    self.submit(claim.json()["assignment_id"], photos())

    def submit(self, assignment_id: str, photos: list[bytes]) -> None:
        at = {"latitude": BRUSSELS[0], "longitude": BRUSSELS[1], "accuracy_m": 8.0}
        self.call(
            "check-in", "POST", f"/assignments/{assignment_id}/check-in", json=at, ok=only(200)
        )
        body = declaration(photos) | {"payload": honest_payload()}
        key = {"Idempotency-Key": str(uuid.uuid4())}
        declared = self.call(
            "declare",
            "POST",
            f"/assignments/{assignment_id}/resumable-submission",
            json=body,
            headers=key,
            ok=only(201),
        ).json()
        for upload, photo in zip(declared["uploads"], photos, strict=True):
            self.upload(upload["url"], photo)
        with self.tally.lock:
            self.tally.declared.add(declared["submission_id"])
        self.call("poll", "GET", f"/submissions/{declared['submission_id']}", ok=only(200))

    def offset(self, url: str) -> int:
        head = self.call("head", "HEAD", url, headers=TUS, ok=only(200, 204))
        return int(head.headers["Upload-Offset"])

    def upload(self, url: str, data: bytes) -> None:
        """Send `data` in CHUNKS PATCHes from where the upload stands; after a failed PATCH,
        from where HEAD says it stands (a 409 gives the offset itself)."""
        step, offset = len(data) // CHUNKS + 1, self.offset(url)
        deadline = time.monotonic() + GIVE_UP_S
        while offset < len(data):
            headers = TUS | {
                "Authorization": f"Bearer {self.token}",
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            }
            try:
                answer: requests.Response | None = self.session.patch(
                    self.url(url), data=data[offset : offset + step], headers=headers, timeout=30
                )
            except requests.RequestException:
                answer = None
            self.tally.saw("patch", answer)
            if answer is not None and answer.status_code == 204:
                offset = int(answer.headers["Upload-Offset"])
            elif answer is not None and answer.status_code == 409:
                offset = int(answer.json()["offset"])
            elif answer is not None and answer.status_code < 500:
                raise AssertionError(f"patch: {answer.status_code} {answer.text[:300]}")
            else:
                if time.monotonic() > deadline:
                    raise GaveUp(f"upload {url} failed for {GIVE_UP_S} s")
                time.sleep(PAUSE_S)
                offset = self.offset(url)


class Brand(Client):
    """Reads a campaign's results, as JSON and as the CSV export, until stopped."""

    def day(self, campaign_ids: list[str]) -> None:
        while not self.stop.is_set():
            for campaign_id in campaign_ids:
                path = f"/campaigns/{campaign_id}/results"
                self.call("results", "GET", path, ok=only(200))
                self.call("results csv", "GET", path, params={"format": "csv"}, ok=only(200))
            time.sleep(0.5)


class Admin(Client):
    """Pages the review queue and approves what waits in it, until stopped and the queue is
    empty."""

    def day(self, drained: threading.Event) -> None:
        while True:
            items = self.call("queue", "GET", "/review/queue", ok=only(200)).json()["items"]
            for item in items:
                decided = self.call(
                    "decide",
                    "POST",
                    f"/submissions/{item['id']}/decision",
                    json={"decision": "approve"},
                    headers={"Idempotency-Key": f"approve-{item['id']}"},
                    ok=only(200, 409),
                )
                if decided.status_code == 200:  # 409: decided meanwhile
                    with self.tally.lock:
                        self.tally.decided[item["id"]] += 1
            if not items and drained.is_set():
                return
            time.sleep(0.5)
