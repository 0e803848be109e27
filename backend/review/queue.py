"""What the API shows of the review queue: pages with filters and counts, one item, and what
each item carries beside its submission (lease, worker's record, products, matched photos).

Reads only. Whatever an item needs beyond its row is read for the whole page at once, one
grouped query per kind, so a page of fifty costs what a page of one does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, Text, case, cast, func, literal, select, text, tuple_
from sqlalchemy.orm import Session, load_only

from backend.accounts.models import Brand, User
from backend.campaigns.models import Campaign, CampaignProduct
from backend.errors import not_found
from backend.missions.models import Mission
from backend.review import presenters, rules
from backend.review.models import Appeal, ReviewLease
from backend.review.queries import decode_queue_cursor, photos_of, queue_cursor
from backend.stores.models import Store
from backend.submissions.models import Photo, Submission
from backend.submissions.rules import ERASED_SHA256
from backend.urls import photo_linker

_RANK = Submission.review_rank
# Written into the SQL rather than bound: SQLite uses the partial queue index (ordered as the
# queue is read) only when the query names the index's own condition literally.
_IN_REVIEW = Submission.status == literal("in_review", literal_execute=True)
S = TypeVar("S", bound=Select[*tuple[Any, ...]])
_MATCH_CHECKS = ("reuse", "similar_photo")


# What an item shows of its rows (presenters.queue_item_out), and no more: each campaign's
# questions were decoded again for every item of the page.
_ITEM_COLUMNS = (
    load_only(
        Submission.status,
        Submission.review_rank,
        Submission.flags,
        Submission.checks,
        Submission.outcome,
        Submission.answers,
        Submission.latitude,
        Submission.longitude,
        Submission.accuracy_m,
        Submission.captured_at,
        Submission.received_at,
        Submission.decided_at,
        Submission.worker_id,
        Submission.brand_id,
    ),
    load_only(Mission.reward_amount_minor, Mission.reward_currency),
    load_only(Store.name, Store.address, Store.latitude, Store.longitude, Store.geofence_m),
    load_only(Campaign.name),
)


@dataclass(frozen=True)
class QueueFilter:
    """Which waiting submissions to list: every given criterion must hold."""

    campaign_id: str | None = None
    brand_id: str | None = None
    flag: str | None = None


def _flag_values(db_session: Session) -> Any:
    """A submission's flags as rows (`value`): a table-valued function joined beside it."""
    name = "json_array_elements_text" if _dialect(db_session) == "postgresql" else "json_each"
    return getattr(func, name)(Submission.flags).table_valued("value")


def _dialect(db_session: Session) -> str:
    return db_session.get_bind().dialect.name


def _waiting(stmt: S, db_session: Session, where: QueueFilter, *, in_order: bool = False) -> S:
    """`stmt` (over submissions joined to missions) narrowed to the filter's waiting ones;
    `in_order`: read in the queue's order, a page at a time."""
    if in_order and _dialect(db_session) == "sqlite":
        # Without statistics SQLite guesses that `status = x` picks a few rows, so it took the
        # (status, received_at) index, then read all 2,000 waiting rows and their joins and
        # sorted them (18 of a page's 50 ms). likely() tells it the condition holds for most
        # rows it is asked about (those of the partial index, which it still sees through):
        # it walks the queue index in order and stops after the page.
        stmt = stmt.where(func.likely(_IN_REVIEW))
    else:
        stmt = stmt.where(_IN_REVIEW)
    if where.campaign_id is not None:
        stmt = stmt.where(Mission.campaign_id == where.campaign_id)
    if where.brand_id is not None:
        stmt = stmt.where(Submission.brand_id == where.brand_id)
    if where.flag is not None:
        flags = _flag_values(db_session)
        stmt = stmt.where(select(flags.c.value).where(flags.c.value == where.flag).exists())
    return stmt


def _page_statement(
    db_session: Session, where: QueueFilter, *, in_order: bool = False
) -> Select[Submission, Mission, Store, Campaign]:
    return _waiting(
        select(Submission, Mission, Store, Campaign)
        .options(*_ITEM_COLUMNS)
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id),
        db_session,
        where,
        in_order=in_order,
    )


def review_queue(
    *,
    db_session: Session,
    limit: int,
    cursor: str | None,
    sla_hours: float,
    now: datetime,
    campaign_id: str | None = None,
    brand_id: str | None = None,
    flag: str | None = None,
) -> dict[str, Any]:
    """Submissions awaiting a person that match the filters: doubted ones first, then the
    longest waiting; with the counts of the filter in force."""
    where = QueueFilter(campaign_id=campaign_id, brand_id=brand_id, flag=flag)
    stmt = _page_statement(db_session, where, in_order=True)
    if cursor:
        after = decode_queue_cursor(cursor)
        stmt = stmt.where(tuple_(_RANK, Submission.received_at, Submission.id) > tuple_(*after))
    rows = db_session.execute(
        stmt.order_by(_RANK, Submission.received_at, Submission.id).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].Submission if rows else None
    return {
        "items": queue_items(db_session, rows, sla_hours=sla_hours, now=now),
        "next_cursor": queue_cursor(last.review_rank, last.received_at, last.id)
        if more and last
        else None,
        "counts": queue_counts(db_session, where),
    }


def queue_item(
    *, db_session: Session, submission_id: str, sla_hours: float, now: datetime
) -> dict[str, Any]:
    """One submission awaiting a person, as the queue shows it; 404 when it is not waiting."""
    row = db_session.execute(
        _page_statement(db_session, QueueFilter()).where(Submission.id == submission_id)
    ).first()
    if row is None:
        raise not_found("submission awaiting review")
    (item,) = queue_items(db_session, [row], sla_hours=sla_hours, now=now)
    return item


def queue_counts(db_session: Session, where: QueueFilter) -> dict[str, Any]:
    """How many wait under the filter (all, flagged), and per flag, brand and campaign how
    many the other filters leave: what choosing that value would list.

    One read of the waiting submissions (the partial queue index, a key lookup of each
    mission), grouped by what the counts tell apart, then counted by the pure rule: the
    database sends a row per kind of waiting submission, not 2,000 rows whose flags would
    each be decoded here (that decoding cost more than the query)."""
    rows = _without_parallel_workers(db_session, _grouped_waiting())
    return rules.queue_counts(
        [
            rules.Waiting(
                flags=tuple(str(flag) for flag in json.loads(flags or "null") or ()),
                doubted=rank == 0,
                brand=(brand_id, brand_name),
                campaign=(campaign_id, campaign_name),
                count=int(count),
            )
            for flags, rank, brand_id, brand_name, campaign_id, campaign_name, count in rows
        ],
        campaign_id=where.campaign_id,
        brand_id=where.brand_id,
        flag=where.flag,
    )


def _grouped_waiting() -> Select[*tuple[Any, ...]]:
    """The waiting submissions counted by what the queue's counts tell apart."""
    counted = (
        cast(Submission.flags, Text),
        _RANK,
        Submission.brand_id,
        Brand.name,
        Mission.campaign_id,
        Campaign.name,
    )
    return (
        select(*counted, func.count())
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Brand, Brand.id == Submission.brand_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
        .where(_IN_REVIEW)
        .group_by(*counted)
    )


def _without_parallel_workers(db_session: Session, stmt: Select[*tuple[Any, ...]]) -> Sequence[Any]:
    """Run a small aggregate without a parallel worker on PostgreSQL: left to itself the
    planner shares the 2,000 waiting rows with one, whose start cost 60 of the count's 75 ms
    on a busy 2-core machine. The setting is `SET LOCAL`, in a transaction of its own (a
    savepoint inside the caller's) rolled back after the read: a read request runs in
    autocommit, and a plain SET would stay on the server connection, which PgBouncer's
    transaction pooling hands to another client between two statements."""
    if _dialect(db_session) != "postgresql":
        return db_session.execute(stmt).all()
    db_session.flush()  # before the savepoint: its rollback must undo nothing but the SET
    driver = db_session.connection().connection.driver_connection
    with driver.transaction(force_rollback=True):  # type: ignore[union-attr]
        db_session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
        return db_session.execute(stmt).all()


def _totals(db_session: Session, where: QueueFilter) -> tuple[int, int]:
    """How many wait under the filter, and of those how many a check doubted. One query."""
    total, flagged = db_session.execute(
        _waiting(
            select(func.count(), func.coalesce(func.sum(case((_RANK == 0, 1), else_=0)), 0)).join(
                Mission, Mission.id == Submission.mission_id
            ),
            db_session,
            where,
        )
    ).one()
    return int(total), int(flagged)


def waiting_counts(*, db_session: Session) -> dict[str, Any]:
    """What waits for an admin, counted cheaply for the navigation: the queue (all, flagged)
    and the open appeals. Two counting queries, nothing else read."""
    total, flagged = _totals(db_session, QueueFilter())
    appeals = db_session.scalar(
        select(func.count()).select_from(Appeal).where(Appeal.status == "open")
    )
    return {"queue": {"total": total, "flagged": flagged}, "appeals": {"open": int(appeals or 0)}}


def queue_items(
    db_session: Session, rows: Sequence[Any], *, sla_hours: float, now: datetime
) -> list[dict[str, Any]]:
    """Queue items for rows of (Submission, Mission, Store, Campaign), their extras read
    for all of them at once."""
    submissions = [row.Submission for row in rows]
    ids = [s.id for s in submissions]
    links = photo_linker()
    photos = photos_of(db_session, ids)
    leases = leases_of(db_session, ids, now)
    workers = worker_records(db_session, {s.worker_id for s in submissions})
    brands = brand_names(db_session, {s.brand_id for s in submissions})
    products = products_of(db_session, {row.Campaign.id for row in rows})
    matches = {s.id: match_rows(s.checks) for s in submissions}
    shown = photos_still_kept(db_session, {m["photo_id"] for ms in matches.values() for m in ms})
    return [
        presenters.review_item_out(
            presenters.queue_item_out(
                row.Submission,
                mission=row.Mission,
                store=row.Store,
                campaign=row.Campaign,
                photos=photos.get(row.Submission.id, []),
                sla_hours=sla_hours,
                links=links,
            ),
            lease=leases.get(row.Submission.id),
            brand=(row.Submission.brand_id, brands.get(row.Submission.brand_id, "")),
            worker=workers[row.Submission.worker_id],
            products=products.get(row.Campaign.id, []),
            matches=matches[row.Submission.id],
            shown=shown,
            links=links,
        )
        for row in rows
    ]


def leases_of(
    db_session: Session, submission_ids: Sequence[str], now: datetime
) -> dict[str, tuple[str, str, datetime]]:
    """The live lease on each submission: (admin id, display name, expires at). One query."""
    if not submission_ids:
        return {}
    rows = db_session.execute(
        select(ReviewLease.submission_id, User.id, User.display_name, ReviewLease.expires_at)
        .join(User, User.id == ReviewLease.admin_id)
        .where(ReviewLease.submission_id.in_(submission_ids), ReviewLease.expires_at > now)
    ).all()
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def worker_records(
    db_session: Session, worker_ids: Iterable[str]
) -> dict[str, tuple[str, str, int, int]]:
    """Each worker's (id, display name, approved, rejected) submissions. One query."""
    ids = sorted(set(worker_ids))
    if not ids:
        return {}
    approved = func.coalesce(func.sum(case((Submission.status == "approved", 1), else_=0)), 0)
    rejected = func.coalesce(func.sum(case((Submission.status == "rejected", 1), else_=0)), 0)
    rows = db_session.execute(
        select(User.id, User.display_name, approved, rejected)
        .outerjoin(Submission, Submission.worker_id == User.id)
        .where(User.id.in_(ids))
        .group_by(User.id, User.display_name)
    ).all()
    return {row[0]: (row[0], row[1], int(row[2]), int(row[3])) for row in rows}


def brand_names(db_session: Session, brand_ids: Iterable[str]) -> dict[str, str]:
    """Each brand's name. One query."""
    ids = sorted(set(brand_ids))
    if not ids:
        return {}
    rows = db_session.execute(select(Brand.id, Brand.name).where(Brand.id.in_(ids)))
    return {str(r[0]): str(r[1]) for r in rows}


def products_of(
    db_session: Session, campaign_ids: Iterable[str]
) -> dict[str, list[tuple[str, str]]]:
    """Each campaign's products asked, (sku, name) by SKU. One query."""
    ids = sorted(set(campaign_ids))
    found: dict[str, list[tuple[str, str]]] = {}
    if not ids:
        return found
    for campaign_id, sku, name in db_session.execute(
        select(CampaignProduct.campaign_id, CampaignProduct.sku, CampaignProduct.name)
        .where(CampaignProduct.campaign_id.in_(ids))
        .order_by(CampaignProduct.campaign_id, CampaignProduct.sku)
    ):
        found.setdefault(campaign_id, []).append((sku, name))
    return found


def match_rows(checks: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The photos a reuse or similar-photo check matched, as the check recorded them."""
    return [
        {"check": check["name"], **match}
        for check in checks
        if check["name"] in _MATCH_CHECKS
        for match in check.get("detail", {}).get("matches", [])
    ]


def photos_still_kept(db_session: Session, photo_ids: Iterable[str]) -> set[str]:
    """Which of these photos are still there to show (not erased with their worker's
    account). One query."""
    ids = sorted(set(photo_ids))
    if not ids:
        return set()
    return set(
        db_session.scalars(select(Photo.id).where(Photo.id.in_(ids), Photo.sha256 != ERASED_SHA256))
    )
