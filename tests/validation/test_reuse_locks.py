"""The validation write step locks only what could match: of two near copies validated at
once the second is caught, and unrelated submissions never wait for each other."""

from __future__ import annotations

import io
import random
import threading
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from backend.settings import current_settings
from backend.storage import photo_store
from backend.submissions.models import Submission
from backend.validation import reuse, service
from tests.support.photos import jpeg, shelf
from tests.support.submitting import submit

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql", "pgbouncer"], indirect=True)


def near(phash: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        phash ^= 1 << bit
    return phash


@pytest.mark.parametrize("max_hamming", [0, 4, 7, 12, 63, 64])
def test_hashes_within_the_threshold_always_share_a_key(max_hamming):
    rng = random.Random(max_hamming)
    for _ in range(2000):
        a = rng.getrandbits(64)
        b = near(a, rng.randint(0, max_hamming), rng)
        keys = reuse.lock_keys(sha256s=[], phashes=[a], max_hamming=max_hamming)
        assert keys == sorted(keys)
        assert set(keys) & set(reuse.lock_keys(sha256s=[], phashes=[b], max_hamming=max_hamming))


def test_the_same_bytes_share_a_key_and_unrelated_hashes_mostly_none():
    one = reuse.lock_keys(sha256s=["ab" * 32], phashes=[], max_hamming=7)
    both = reuse.lock_keys(sha256s=["ab" * 32, "cd" * 32], phashes=[], max_hamming=7)
    assert len(one) == 1
    assert set(one) < set(both)
    rng = random.Random(5)
    pairs = [(rng.getrandbits(64), rng.getrandbits(64)) for _ in range(1000)]
    shared = sum(
        bool(
            set(reuse.lock_keys(sha256s=[], phashes=[a], max_hamming=7))
            & set(reuse.lock_keys(sha256s=[], phashes=[b], max_hamming=7))
        )
        for a, b in pairs
    )
    assert shared < 100  # eight 8-bit bands: about 3 % of unrelated pairs share one


def uploaded(client, claimed, photo: bytes) -> str:
    response = submit(client, claimed, [photo])
    assert response.status_code == 202, response.json
    return str(response.json["submission_id"])


def prepared(app, db, submission_id: str) -> tuple[Any, Any, Any]:
    """What the worker has in hand before its write step: the evidence and the decoded photos."""
    with app.app_context():
        settings = service.settings_from(current_settings())
        with db.transaction(write=False) as session:
            evidence = service.gather(db_session=session, submission_id=submission_id)
        return (
            evidence,
            service.inspect_photos(evidence, store=photo_store(), settings=settings),
            settings,
        )


class Paused:
    """Holds one validation's write transaction open just after its reuse lookup."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.looked: dict[str, threading.Event] = {}
        self.go = threading.Event()
        self.paused_thread = ""
        lookup = reuse.near_matches

        def near_matches(db_session: Any, **kwargs: Any) -> list[reuse.Match]:
            found = lookup(db_session, **kwargs)
            name = threading.current_thread().name
            self.looked.setdefault(name, threading.Event()).set()
            if name == self.paused_thread:
                assert self.go.wait(60), "the test never let the paused validation go on"
            return found

        monkeypatch.setattr(reuse, "near_matches", near_matches)

    def has_looked(self, name: str) -> bool:
        return self.looked.setdefault(name, threading.Event()).is_set()


def record(app, db, prepared_: tuple[Any, Any, Any], lock_timeout: str = "") -> Any:
    evidence, results, settings = prepared_
    with app.app_context(), db.transaction() as session:
        if lock_timeout:
            session.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
        return service.record_validation(
            db_session=session, evidence=evidence, results=results, settings=settings
        )


def in_thread(name: str, target: Any) -> tuple[threading.Thread, list[Any]]:
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(target())
        except BaseException as exc:  # handed to the test, which raises it
            outcome.append(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread, outcome


def wait_until(done: Any, running: tuple[threading.Thread, list[Any]]) -> None:
    """Until `done()`; fails at once if the thread died, and after a minute at worst."""
    deadline = time.monotonic() + 60
    while not done():
        assert running[0].is_alive(), running[1]
        assert time.monotonic() < deadline, "still waiting after a minute"
        time.sleep(0.01)


def result_of(running: tuple[threading.Thread, list[Any]]) -> Any:
    running[0].join(60)
    (outcome,) = running[1]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def advisory_waiters(postgres_url: str) -> int:
    engine = create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def statuses(db, *submission_ids: str) -> list[str]:
    with db.transaction(write=False) as session:
        return [session.get_one(Submission, s).status for s in submission_ids]


@ON_POSTGRESQL
@pytest.mark.parametrize("copy_first", [False, True], ids=["original-first", "copy-first"])
def test_of_two_near_copies_validated_at_once_the_second_is_caught(
    app, client, db, claim, monkeypatch, postgres_url, copy_first
):
    picture = shelf(seed=31)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=75)  # other bytes, nearly the same perceptual hash
    original = uploaded(client, claim(), jpeg(picture))
    copy = uploaded(client, claim(), out.getvalue())
    first, second = (copy, original) if copy_first else (original, copy)
    paused = Paused(monkeypatch)
    paused.paused_thread = "first"
    one = in_thread("first", lambda: record(app, db, prepared(app, db, first)))
    wait_until(lambda: paused.has_looked("first"), one)
    # The interleaving that lost a copy: the second looks before the first has written its
    # hash. It must wait for the first's lock instead.
    two = in_thread("second", lambda: record(app, db, prepared(app, db, second)))
    wait_until(lambda: paused.has_looked("second") or advisory_waiters(postgres_url), two)
    paused.go.set()
    assert result_of(one) is not None
    assert result_of(two) is not None
    assert statuses(db, first, second) == ["approved", "rejected"]


@ON_POSTGRESQL
def test_unrelated_submissions_validate_side_by_side(app, client, db, claim, monkeypatch):
    waiting = prepared(app, db, uploaded(client, claim(), jpeg(shelf(seed=41))))
    other = prepared(app, db, uploaded(client, claim(), jpeg(shelf(seed=42))))
    keys = [
        reuse.lock_keys(
            sha256s=[sha for _, sha in evidence.photos],
            phashes=[r.phash for r in results],
            max_hamming=max(settings.similar_hamming, settings.max_hamming),
        )
        for evidence, results, settings in (waiting, other)
    ]
    assert not set(keys[0]) & set(keys[1])  # nothing they could match each other on
    paused = Paused(monkeypatch)
    paused.paused_thread = "waiting"
    held = in_thread("waiting", lambda: record(app, db, waiting))
    wait_until(lambda: paused.has_looked("waiting"), held)
    # The first holds its write transaction open, locks taken; the other completes. Under one
    # lock for everything it would wait, and give up at the lock timeout.
    decision = record(app, db, other, lock_timeout="20s")
    assert decision.status == "approved"
    assert held[0].is_alive()
    paused.go.set()
    assert result_of(held).status == "approved"
    with db.transaction(write=False) as session:
        assert session.scalars(select(Submission.status)).all() == ["approved", "approved"]
