"""The queue's kept counts (review_queue_counts, kept by migration 0028's triggers) equal a
fresh count of the waiting submissions after every kind of move in and out of review."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from sqlalchemy import Text, cast, delete, func, select, update

from backend import migrate
from backend.kernel.clock import utcnow
from backend.missions.models import Mission
from backend.review.models import ReviewQueueCount
from backend.submissions.models import Submission
from tests.support.review import appeal, decide_appeal, reject
from tests.support.submitting import BRUSSELS, honest_payload
from tests.support.world import insert_submission
from workers.review import approve_overdue

FAR = {"latitude": BRUSSELS[0] + 0.027}  # 3 km from the store: the location check doubts it
Key = tuple[str, int, str, str]


def fresh(db) -> Counter[Key]:
    """The waiting submissions counted now, from their rows."""
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(
                cast(Submission.flags, Text),
                Submission.review_rank,
                Submission.brand_id,
                Mission.campaign_id,
                func.count(),
            )
            .join(Mission, Mission.id == Submission.mission_id)
            .where(Submission.status == "in_review")
            .group_by(
                cast(Submission.flags, Text),
                Submission.review_rank,
                Submission.brand_id,
                Mission.campaign_id,
            )
        ).all()
    return Counter({(f, r, b, c): n for f, r, b, c, n in rows})


def kept(db) -> Counter[Key]:
    """What review_queue_counts says, summed by key (PostgreSQL appends a row per change)."""
    c = ReviewQueueCount
    with db.transaction(write=False) as session:
        rows = session.execute(
            select(c.flags, c.review_rank, c.brand_id, c.campaign_id, func.sum(c.waiting)).group_by(
                c.flags, c.review_rank, c.brand_id, c.campaign_id
            )
        ).all()
    return Counter({(f, r, b, cid): int(n) for f, r, b, cid, n in rows if n})


def waiting_ids(db) -> list[str]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(Submission.id)
                .where(Submission.status == "in_review")
                .order_by(Submission.id)
            )
        )


def test_kept_counts_follow_every_move_in_and_out_of_review(app, client, db, in_review, admin):
    """A seeded random series of what moves submissions in and out of review, or changes what
    they are counted by; after each, the kept counts equal a fresh count."""
    headers, rng = admin(), random.Random(28)
    made = {}  # submission id -> Waiting
    rejected: list[str] = []  # open appeals' ids

    def submitted() -> None:
        doubted = rng.random() < 0.5
        waiting = in_review(honest_payload(**FAR) if doubted else None)
        made[waiting.submission_id] = waiting

    def machine_approved() -> None:
        in_review(review_required=False)  # never waits: the counts stay as they are

    def approved() -> None:
        if ids := waiting_ids(db):
            answer = client.post(
                f"/api/v1/submissions/{rng.choice(ids)}/decision",
                json={"decision": "approve"},
                headers=headers,
            )
            assert answer.status_code == 200, answer.json

    def rejected_and_appealed() -> None:
        if ids := [i for i in waiting_ids(db) if i in made]:
            chosen = rng.choice(ids)
            reject(client, headers, chosen)
            appealed = appeal(client, made[chosen])
            assert appealed.status_code == 201, appealed.json
            rejected.append(appealed.json["id"])

    def appeal_granted() -> None:
        if rejected:
            answer = decide_appeal(client, admin(), rejected.pop(), {"decision": "approve"})
            assert answer.status_code == 200, answer.json

    def bulk_approved() -> None:
        if not (ids := waiting_ids(db)[:2]):
            return
        answer = client.post(
            "/api/v1/review/bulk-approve", json={"submission_ids": ids}, headers=headers
        )
        assert answer.status_code == 200, answer.json

    def past_the_deadline() -> None:
        if ids := waiting_ids(db):
            with db.transaction() as session:
                session.execute(
                    update(Submission)
                    .where(Submission.id == rng.choice(ids))
                    .values(decided_at=utcnow() - timedelta(hours=49))
                )
            with app.app_context():
                assert approve_overdue.apply().get() == 1

    def flags_changed() -> None:
        # What a second look by the machine writes of a waiting submission: flags and rank.
        if ids := waiting_ids(db):
            flags = rng.choice([["location"], ["location", "similar_photo"], ["blur"]])
            with db.transaction() as session:
                session.execute(
                    update(Submission)
                    .where(Submission.id == rng.choice(ids))
                    .values(flags=flags, review_rank=0)
                )

    moves = [
        submitted,
        submitted,
        machine_approved,
        approved,
        rejected_and_appealed,
        appeal_granted,
        bulk_approved,
        past_the_deadline,
        flags_changed,
    ]
    for _ in range(4):
        submitted()
    assert kept(db) == fresh(db) != Counter()
    for _ in range(24):
        move = rng.choice(moves)
        move()
        assert kept(db) == fresh(db), move.__name__


def test_kept_counts_follow_rows_written_and_deleted_directly(db, make, in_review):
    """Rows inserted and deleted past the services (an import, a cleanup), and a waiting one
    moved to another mission, count as the services' moves do."""
    waiting = in_review()
    with db.transaction(write=False) as session:
        mission = session.get_one(Mission, waiting.claimed.mission_id)
    other = in_review()
    made = [
        insert_submission(
            db,
            mission_id=mission.id if n % 2 else other.claimed.mission_id,
            worker_id=waiting.claimed.worker.id,
            brand_id=waiting.claimed.brand_id,
            status=status,
            captured_at=utcnow(),
        )[0]
        for n, status in enumerate(["in_review", "in_review", "received", "in_review"])
    ]
    assert kept(db) == fresh(db)
    assert sum(fresh(db).values()) == 5
    with db.transaction() as session:
        session.execute(
            update(Submission)
            .where(Submission.id == made[0])
            .values(mission_id=waiting.claimed.mission_id)
        )
        session.execute(
            update(Submission).where(Submission.id == made[2]).values(status="in_review")
        )
    assert kept(db) == fresh(db)
    with db.transaction() as session:
        session.execute(delete(Submission).where(Submission.id.in_(made)))
    assert kept(db) == fresh(db)
    assert sum(fresh(db).values()) == 2


def test_postgresql_folds_the_appended_changes(db, in_review, backend_name):
    """PostgreSQL appends a row per change; every 64th folds them into one per key, so the
    table stays about as small as the number of kinds of waiting submission."""
    waiting = in_review()
    with db.transaction() as session:
        for n in range(150):
            session.execute(
                update(Submission)
                .where(Submission.id == waiting.submission_id)
                .values(review_rank=n % 2)
            )
    assert kept(db) == fresh(db)
    with db.transaction(write=False) as session:
        rows = session.scalar(select(func.count()).select_from(ReviewQueueCount))
    assert rows is not None
    assert rows <= (64 + 2 if backend_name == "postgresql" else 1)


def test_the_migration_counts_what_waits_already(db, in_review):
    """0028 fills the kept counts from the submissions waiting when it runs."""
    waiting = in_review()
    in_review(honest_payload(**FAR))
    migrate.downgrade(db, "0027")
    insert_submission(
        db,
        mission_id=waiting.claimed.mission_id,
        worker_id=waiting.claimed.worker.id,
        brand_id=waiting.claimed.brand_id,
        captured_at=utcnow(),
    )
    migrate.upgrade(db)
    assert kept(db) == fresh(db)
    assert sum(fresh(db).values()) == 3
