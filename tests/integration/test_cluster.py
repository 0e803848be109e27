"""The issue's acceptance: two gunicorn API nodes and two Celery worker nodes, each with an
empty folder of its own, on one PostgreSQL through PgBouncer, one Redis and one S3 server,
with two beats (every job every few seconds). The whole flow runs over HTTP, each request to
the next node in turn: a brand publishes, workers claim and upload with tus (the chunks of each
photo alternating between the nodes), the worker nodes validate, an admin reviews, the workers
are paid, one erases their account. Then again with an API node and a worker node SIGKILLed in
the middle: the phones carry on against the other node and nothing is lost or decided twice."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.missions.models import Mission
from backend.reconciliation.ledger import check_ledger
from backend.submissions.models import Decision, Submission
from tests.support.beat import assert_sent_once_a_period, each_sent
from tests.support.cluster import (
    JOBS,
    Cluster,
    Phone,
    chunk_on_the_way,
    cluster,
    digest,
    holding,
    photo_key,
)
from tests.support.factories import UserFactory
from tests.support.ledger import assert_credited_once
from tests.support.photos import jpeg, shelf
from tests.support.processes import wait_until
from tests.support.services import s3_client
from tests.support.submitting import BRUSSELS
from tests.support.tus import declaration

pytestmark = [
    pytest.mark.integration,
    # One PostgreSQL, reached through PgBouncer in transaction pooling mode, as in production.
    pytest.mark.parametrize("database_url", ["pgbouncer"], indirect=True, scope="session"),
]

EVERY = 4.0  # seconds: every job of the schedule, the hourly and nightly ones included
PERIODS = 3
CHUNKS = 4  # tus PATCHes a photo
PHOTOS = 2  # a submission's
REWARD = 600
IBAN, HOLDER = "DE89370400440532013000", "Zoë Müller"
FINAL = ("approved", "rejected")


@pytest.fixture
def app_config(app_config, s3_settings):
    return (
        app_config
        | s3_settings
        | {
            # Every node signs with the same key (docker-compose asks for it), as a deployment must.
            "SECRET_KEY": uuid.uuid4().hex * 2,
            "PAYOUT_MIN": "1.00 EUR",
            # A killed worker's unacknowledged task comes back soon; the outbox sends again soon.
            "BROKER_VISIBILITY_TIMEOUT": 10,
            "OUTBOX_RESEND_AFTER_SECONDS": 5,
        }
    )


@dataclass
class Job:
    """A mission claimed by a worker, and what the phone sent for it."""

    phone: Phone
    worker_id: str
    assignment_id: str
    photos: list[bytes]
    submission_id: str = ""
    key: str = field(default_factory=lambda: f"declare-{uuid.uuid4()}")
    body: dict[str, Any] = field(default_factory=dict)  # the declaration, the same each time

    def __post_init__(self) -> None:
        self.body = declaration(self.photos)


@dataclass
class World:
    brand: Phone
    admin: Phone
    workers: dict[str, Phone]  # by user id
    jobs: list[Job]
    reviewed_campaign: str


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


def publish(brand: Phone, store_ids: list[str], **overrides: Any) -> str:
    now = datetime.now(UTC)
    body = {
        "name": "Towel audit",
        "instructions": "Count facings.",
        "products": [{"sku": "PAD-1", "name": "Ultra"}, {"sku": "PAD-2", "name": "Night"}],
        "photos_required": PHOTOS,
        "reward": {"amount_minor": REWARD, "currency": "EUR"},
        "est_minutes": 15,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        "store_ids": store_ids,
    } | overrides
    key = {"Idempotency-Key": f"campaign-{uuid.uuid4()}"}
    created = ok(brand.post("/campaigns", json=body, headers=key), 201)
    ok(brand.post(f"/campaigns/{created['id']}/publish", retry=True))
    return str(created["id"])


def import_stores(brand: Phone, count: int) -> list[str]:
    """The brand's stores, imported from a CSV as a task: the API node that takes the file is
    rarely the worker node that imports it."""
    lines = ["name,chain,address,latitude,longitude,geofence_m,external_ref"]
    lines += [f"Store {n},Chain,Brussels,{BRUSSELS[0]},{BRUSSELS[1]},,S{n}" for n in range(count)]
    queued = ok(
        brand.post("/stores/imports", files={"file": ("stores.csv", "\n".join(lines) + "\n")}),
        202,
    )

    def over() -> Any:
        job = ok(brand.get(f"/stores/imports/{queued['id']}"))
        return job if job["status"] in {"done", "failed"} else None

    job = wait_until(over, 60, "the store import")
    assert (job["status"], job["created"]) == ("done", count), job
    stores = ok(brand.get("/stores", params={"limit": 100}))["items"]
    return sorted(store["id"] for store in stores)


def build_world(nodes, db, make, auth_headers, *, workers: int, missions: int, seed: int) -> World:
    """Accounts are made in the database (as invitations would); the rest is over HTTP: the
    brand imports its stores and publishes two campaigns (one reviewed by a person), each
    worker claims its share."""
    brand_user = make(UserFactory, brand_user=True)
    brand = Phone(nodes, auth_headers(brand_user))
    store_ids = import_stores(brand, missions + 1)
    admin = Phone(nodes, auth_headers(make(UserFactory, admin=True)))
    campaign = publish(brand, store_ids[:missions])
    reviewed = publish(brand, store_ids[missions:], review_required=True)
    with db.transaction(write=False) as session:
        open_missions = session.scalars(
            select(Mission.id).where(Mission.campaign_id == campaign).order_by(Mission.id)
        ).all()
        (to_review,) = session.scalars(select(Mission.id).where(Mission.campaign_id == reviewed))
    people = [make(UserFactory) for _ in range(workers)]
    phones = {str(p.id): Phone(nodes, auth_headers(p)) for p in people}
    jobs = []
    for index, mission_id in enumerate([to_review, *open_missions]):
        worker_id = str(people[index % workers].id)
        phone = phones[worker_id]
        claimed = ok(phone.post(f"/missions/{mission_id}/claim", retry=False), 201)
        photos = [jpeg(shelf(seed=seed + 10 * index + n)) for n in range(PHOTOS)]
        jobs.append(Job(phone, worker_id, claimed["assignment_id"], photos))
    return World(brand, admin, phones, jobs, reviewed)


def declare(job: Job) -> dict[str, Any]:
    """Declare the submission (again, with its key, if it was: the same answer, on any node)."""
    declared = ok(
        job.phone.post(
            f"/assignments/{job.assignment_id}/resumable-submission",
            json=job.body,
            headers={"Idempotency-Key": job.key},
        ),
        201,
    )
    assert job.submission_id in {"", declared["submission_id"]}
    job.submission_id = declared["submission_id"]
    return dict(declared)


def send(job: Job, sent: Counter[str] | None = None) -> int:
    """Declare the submission and upload each photo (the rest of it, if it was begun); how
    many PATCHes a dying node cut."""
    declared = declare(job)
    return sum(
        job.phone.upload(upload["url"], photo, CHUNKS, sent)
        for upload, photo in zip(declared["uploads"], job.photos, strict=True)
    )


def statuses(db, jobs: list[Job]) -> dict[str, str]:
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(Submission.id, Submission.status).where(
                Submission.id.in_([j.submission_id for j in jobs])
            )
        )
        return dict(rows.all())


def settled(db, jobs: list[Job]) -> bool:
    """Whether every submission is decided by the machine or waits for a person."""
    found = statuses(db, jobs)
    return len(found) == len(jobs) and all(s in {*FINAL, "in_review"} for s in found.values())


def review(world: World, db) -> None:
    """The admin approves what waits for a person (the reviewed campaign's submission)."""
    with db.transaction(write=False) as session:
        waiting = session.scalars(select(Submission.id).where(Submission.status == "in_review"))
        waiting = list(waiting)
    assert waiting, "the reviewed campaign's submission waits for a person"
    for submission_id in waiting:
        ok(
            world.admin.post(
                f"/submissions/{submission_id}/decision",
                json={"decision": "approve"},
                headers={"Idempotency-Key": f"decide-{submission_id}"},
            )
        )


def pay(world: World) -> list[str]:
    """Every worker with money asks for it; the admin batches, exports (the bank is not
    here: the file is read, and marked paid) and settles. The workers paid."""
    paid = []
    for worker_id, phone in world.workers.items():
        if ok(phone.get("/me/earnings"))["balance"]["amount_minor"] <= 0:
            continue
        ok(
            phone.post(
                "/me/payout-requests",
                json={"iban": IBAN, "holder_name": HOLDER},
                headers={"Idempotency-Key": f"payout-{worker_id}"},
            ),
            201,
        )
        paid.append(worker_id)
    batch = ok(world.admin.post("/payout-batches", retry=False), 201)
    sepa = world.admin.get(f"/payout-batches/{batch['id']}/sepa.xml")
    assert sepa.status_code == 200, sepa.text
    assert IBAN in sepa.text
    ok(world.admin.post(f"/payout-batches/{batch['id']}/mark-paid", retry=False))
    return paid


def bucket_keys(s3_settings: dict[str, str]) -> set[str]:
    client = s3_client(s3_settings["S3_ENDPOINT_URL"])
    listed = client.list_objects_v2(Bucket=s3_settings["S3_BUCKET"]).get("Contents", [])
    return {o["Key"] for o in listed}


def assert_photos_in_bucket(s3_settings: dict[str, str], jobs: list[Job]) -> None:
    """Each photo sent is in the bucket under its digest, byte for byte."""
    client = s3_client(s3_settings["S3_ENDPOINT_URL"])
    for job in jobs:
        for photo in job.photos:
            key = photo_key(digest(photo))
            stored = client.get_object(Bucket=s3_settings["S3_BUCKET"], Key=key)["Body"].read()
            assert digest(stored) == digest(photo), key


def assert_nothing_half_done_in_bucket(s3_settings: dict[str, str]) -> None:
    """No upload's pieces, temporary object or unfinished multipart upload stays behind."""
    left = sorted(k for k in bucket_keys(s3_settings) if k.startswith(("partials/", ".")))
    client = s3_client(s3_settings["S3_ENDPOINT_URL"])
    unfinished = client.list_multipart_uploads(Bucket=s3_settings["S3_BUCKET"])
    assert (left, unfinished.get("Uploads", [])) == ([], [])


def assert_decided_once(db, jobs: list[Job]) -> None:
    """One final decision per submission, one credit per approval, and the ledger check
    finds nothing."""
    ids = [j.submission_id for j in jobs]
    with db.transaction(write=False) as session:
        final = dict(
            session.execute(
                select(Decision.submission_id, func.count())
                .where(Decision.status.in_(FINAL), Decision.submission_id.in_(ids))
                .group_by(Decision.submission_id)
            ).all()
        )
        assert final == dict.fromkeys(ids, 1)
        assert_credited_once(session, ids)
        assert check_ledger(db_session=session) == []


def assert_each_job_once_a_period(nodes: Cluster, *, ran: bool) -> None:
    """The beats sent every job for at least PERIODS periods, never twice in one; with `ran`,
    the worker nodes took each send once (a killed node's log would count a redelivered copy
    twice)."""
    wait_until(lambda: each_sent(nodes.sent(), JOBS, PERIODS), 60, f"{PERIODS} periods of each")
    assert {s.job for s in nodes.sent()} == set(JOBS)
    assert_sent_once_a_period(nodes.sent(), EVERY)
    if not ran:
        return
    for beat in nodes.beats:
        beat.stop()  # nothing sent from here on
    sent = Counter(s.task for s in nodes.sent())

    def taken() -> Counter[str]:
        return Counter({t: n for t, n in nodes.received().items() if t in sent})

    with contextlib.suppress(AssertionError):
        wait_until(lambda: taken() == sent, 30, "the worker nodes to take every job sent")
    assert taken() == sent


def assert_no_photo_file_left(nodes: Cluster) -> None:
    """No node kept a file of a photo: no photo, partial or temporary in its photo folder
    (var/photos), no temporary file at all (tmp/). The rest of a var folder (mail sent, the
    erasure log, gunicorn's metrics) is not photos."""
    left = nodes.local_files()
    kept = [
        f"{node}: {name}"
        for node, names in left.items()
        for name in names
        if name.startswith(("var/photos/", "tmp/"))
    ]
    assert kept == [], left


def erase(world: World, worker_id: str, s3_settings: dict[str, str], jobs: list[Job]) -> None:
    """The worker erases their account: their photos leave the bucket."""
    ok(world.workers[worker_id].request("DELETE", "/me", retry=False))
    theirs = {photo_key(digest(p)) for j in jobs if j.worker_id == worker_id for p in j.photos}
    wait_until(lambda: not theirs & bucket_keys(s3_settings), 30, "the erased photos to go")


def test_the_whole_flow_across_two_api_nodes_two_worker_nodes_and_two_beats(
    app_config, db, make, auth_headers, s3_settings, tmp_path
):
    started = time.monotonic()
    with cluster(app_config, tmp_path, every=EVERY) as nodes:
        world = build_world(nodes.api, db, make, auth_headers, workers=3, missions=5, seed=100)
        with ThreadPoolExecutor(3) as pool:
            assert sum(pool.map(send, world.jobs)) == 0
        # Each photo's chunks went to both nodes, in turn.
        uploads = [names for p in world.workers.values() for names in p.patched.values()]
        assert len(uploads) == len(world.jobs) * PHOTOS
        for names in uploads:
            assert names == [nodes.api[n % 2].name for n in range(CHUNKS)]
        wait_until(lambda: settled(db, world.jobs), 120, "every submission to be validated")
        review(world, db)
        assert set(statuses(db, world.jobs).values()) <= set(FINAL)
        paid = pay(world)
        assert paid, "some work was approved and paid"
        assert_photos_in_bucket(s3_settings, world.jobs)
        assert_nothing_half_done_in_bucket(s3_settings)
        erase(world, paid[0], s3_settings, world.jobs)

        assert_decided_once(db, world.jobs)
        assert_each_job_once_a_period(nodes, ran=True)
        assert [n.alive for n in nodes.api] == [True, True]
    assert_no_photo_file_left(nodes)
    print(f"\ncluster flow: {time.monotonic() - started:.1f} s; left: {nodes.local_files()}")


def test_an_api_node_and_a_worker_node_killed_mid_flow_lose_nothing(
    app_config, db, make, auth_headers, s3_settings, tmp_path
):
    started = time.monotonic()
    with cluster(app_config, tmp_path, every=EVERY) as nodes:
        world = build_world(nodes.api, db, make, auth_headers, workers=3, missions=8, seed=500)
        sent: Counter[str] = Counter()
        enough = threading.Event()

        def send_and_tell(job: Job) -> int:
            cut = send(job, sent)
            if sent["chunks"] >= len(world.jobs) * PHOTOS * CHUNKS // 3:
                enough.set()
            return cut

        # One phone has sent a photo's first chunk and is sending the second to node 1.
        victim, *others = world.jobs
        url, photo = declare(victim)["uploads"][0]["url"], victim.photos[0]
        step = len(photo) // CHUNKS + 1
        victim.phone.upload(url, photo[:step], 1)
        assert victim.phone.offset(url) == step
        with ThreadPoolExecutor(3) as pool:
            results = pool.map(send_and_tell, others)
            wait_until(enough.is_set, 120, "a third of the chunks to be sent")
            with chunk_on_the_way(
                nodes.api[0], url, victim.phone.headers, step, photo[step : 2 * step]
            ):
                nodes.api[0].kill()  # that chunk and the others in flight to it are cut
            # A worker node dies in the middle of a validation, unacknowledged.
            validating = nodes.holding("validation.validate_submission", 60)
            assert validating is not None, "a worker node was seen validating"
            held = holding(validating.worker, "validation.validate_submission")
            validating.worker.kill()
            # The phone asks the living node where its upload stands, and goes on from there.
            assert victim.phone.offset(url) == step
            assert send(victim) == 0
            cut = sum(results)
        print(
            f"\nPATCHes cut by the dying API node: {cut} and the one on its way; chunks sent: "
            f"{sent['chunks']}; validations {validating.name} held when killed: {len(held)}"
        )

        wait_until(lambda: settled(db, world.jobs), 180, "every submission to be validated")
        review(world, db)
        assert set(statuses(db, world.jobs).values()) <= set(FINAL)
        pay(world)
        assert_photos_in_bucket(s3_settings, world.jobs)
        assert_nothing_half_done_in_bucket(s3_settings)
        time.sleep(EVERY)  # a redelivered or resent copy of a validation comes and goes
        assert_decided_once(db, world.jobs)
        assert_each_job_once_a_period(nodes, ran=False)
    assert_no_photo_file_left(nodes)
    print(f"cluster under kills: {time.monotonic() - started:.1f} s; left: {nodes.local_files()}")
