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
from functools import cache
from typing import Any, NamedTuple, TypeVar

import orjson
from sqlalchemy import Select, Text, bindparam, case, cast, func, literal, select, tuple_
from sqlalchemy.orm import Session, aliased

from backend.accounts.models import Brand, User
from backend.campaigns.models import Campaign, CampaignProduct
from backend.errors import not_found
from backend.missions.models import Mission
from backend.review import presenters, rules
from backend.review.models import Appeal, ReviewLease
from backend.review.models import ReviewQueueCount as Counted
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


# When a lease must end after to count as live: the request's clock, bound per call.
_NOW: Any = bindparam("now", type_=ReviewLease.expires_at.type)
_LIVE_LEASE = (ReviewLease.submission_id == Submission.id) & (ReviewLease.expires_at > _NOW)


def _page_columns(dialect: str) -> Select[*tuple[Any, ...]]:
    """The columns a queue item shows, flat, with what it shows beside its rows: the brand's
    name, the worker's name and record, the live lease (at :now) and who holds it, and its
    photos. One statement; these were four of their own (a round trip each), and the rows
    came as four ORM objects each."""
    return (
        select(
            Submission.id,
            Submission.status,
            Submission.review_rank,
            _as_text(Submission.flags).label("flags"),
            _as_text(Submission.checks).label("checks"),
            Submission.outcome,
            _as_text(Submission.answers).label("answers"),
            Submission.latitude,
            Submission.longitude,
            Submission.accuracy_m,
            Submission.captured_at,
            Submission.received_at,
            Submission.decided_at,
            Submission.worker_id,
            Submission.brand_id,
            Mission.id.label("mission_id"),
            Mission.reward_amount_minor,
            Mission.reward_currency,
            Store.id.label("store_id"),
            Store.name.label("store_name"),
            Store.address.label("store_address"),
            Store.latitude.label("store_latitude"),
            Store.longitude.label("store_longitude"),
            Store.geofence_m.label("store_geofence_m"),
            Campaign.id.label("campaign_id"),
            Campaign.name.label("campaign_name"),
            _scalar(select(Brand.name).where(Brand.id == Submission.brand_id), "brand_name"),
            _scalar(
                select(User.display_name).where(User.id == Submission.worker_id), "worker_name"
            ),
            _worker_count("approved").label("approved"),
            _worker_count("rejected").label("rejected"),
            _scalar(select(ReviewLease.admin_id).where(_LIVE_LEASE), "lease_admin_id"),
            _scalar(
                select(User.display_name)
                .join(ReviewLease, ReviewLease.admin_id == User.id)
                .where(_LIVE_LEASE),
                "lease_admin_name",
            ),
            _scalar(select(ReviewLease.expires_at).where(_LIVE_LEASE), "lease_expires_at"),
            _photo_pairs(dialect),
        )
        .join(Mission, Mission.id == Submission.mission_id)
        .join(Store, Store.id == Mission.store_id)
        .join(Campaign, Campaign.id == Mission.campaign_id)
    )


def _photo_pairs(dialect: str) -> Any:
    """The item's photos as JSON text, [[id, position], ...] in no promised order (sorted
    here: SQLite's json_group_array takes no ORDER BY); PostgreSQL's null for none. Read
    beside each row, rather than by a statement of their own: a round trip of 0.9 ms."""
    pair = func.json_build_array if dialect == "postgresql" else func.json_array
    together = func.json_agg if dialect == "postgresql" else func.json_group_array
    return _as_text(
        select(together(pair(Photo.id, Photo.position)))
        .where(Photo.submission_id == Submission.id)
        .scalar_subquery()
    ).label("photos")


def _scalar(stmt: Select[Any], name: str) -> Any:
    """A value read beside each row of the page by its key. A subquery, not a join: with
    the brand, the worker, the lease and its admin joined, PostgreSQL spent 9-18 ms planning
    the nine tables' join order for a statement that runs in 1.2 ms."""
    return stmt.scalar_subquery().label(name)


def _as_text(column: Any) -> Any:
    """A JSON column as the text it holds, decoded here by orjson (the standard library's
    decoder took a fifth of a page for 150 values)."""
    return cast(column, Text)


def _worker_count(status: str) -> Any:
    """How many of the item's worker's submissions are in `status`: counted from the
    (worker_id, status) index for the page's rows only."""
    theirs = aliased(Submission, name="theirs")
    return (
        select(func.count())
        .select_from(theirs)
        .where(theirs.worker_id == Submission.worker_id, theirs.status == literal(status))
        .scalar_subquery()
    )


# Built once per dialect: building them took more than running them (now is bound per call).
_PAGE: dict[tuple[str, bool], Select[*tuple[Any, ...]]] = {}


def _page_statement(
    db_session: Session, where: QueueFilter, *, in_order: bool = False
) -> Select[*tuple[Any, ...]]:
    if where == QueueFilter():
        key = (_dialect(db_session), in_order)
        if key not in _PAGE:
            _PAGE[key] = _waiting(_page_columns(key[0]), db_session, where, in_order=in_order)
        return _PAGE[key]
    return _waiting(_page_columns(_dialect(db_session)), db_session, where, in_order=in_order)


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
        stmt.order_by(_RANK, Submission.received_at, Submission.id).limit(limit + 1),
        {"now": now},
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return {
        "items": _page_items(db_session, rows, sla_hours=sla_hours),
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
        _page_statement(db_session, QueueFilter()).where(Submission.id == submission_id),
        {"now": now},
    ).first()
    if row is None:
        raise not_found("submission awaiting review")
    (item,) = _page_items(db_session, [row], sla_hours=sla_hours)
    return item


def queue_counts(db_session: Session, where: QueueFilter) -> dict[str, Any]:
    """How many wait under the filter (all, flagged), and per flag, brand and campaign how
    many the other filters leave: what choosing that value would list.

    Read from review_queue_counts (kept by triggers, migration 0028): a row per kind of
    waiting submission, summed, with its brand's and campaign's names, then counted by the
    pure rule. Reading the 2,000 waiting submissions joined to their missions for this was
    half of a page's time."""
    return rules.queue_counts(
        [
            rules.Waiting(
                flags=tuple(str(flag) for flag in json.loads(flags or "null") or ()),
                doubted=rank == 0,
                brand=(brand_id, brand_name),
                campaign=(campaign_id, campaign_name),
                count=int(count),
            )
            for flags, rank, brand_id, brand_name, campaign_id, campaign_name, count in (
                db_session.execute(_grouped_waiting()).all()
            )
        ],
        campaign_id=where.campaign_id,
        brand_id=where.brand_id,
        flag=where.flag,
    )


def _summed_counts() -> Any:
    """review_queue_counts summed by key: on PostgreSQL a key has a row per change since the
    last fold."""
    counted = (Counted.flags, Counted.review_rank, Counted.brand_id, Counted.campaign_id)
    waiting = func.sum(Counted.waiting)
    return (
        select(*counted, waiting.label("waiting"))
        .group_by(*counted)
        .having(waiting != 0)
        .subquery("counted")
    )


@cache
def _grouped_waiting() -> Select[*tuple[Any, ...]]:
    """The waiting submissions counted by what the queue's counts tell apart, with the
    brand's and the campaign's names. Built once: building it took longer than running it."""
    counted = _summed_counts()
    return (
        select(
            counted.c.flags,
            counted.c.review_rank,
            counted.c.brand_id,
            Brand.name,
            counted.c.campaign_id,
            Campaign.name,
            counted.c.waiting,
        )
        .join(Brand, Brand.id == counted.c.brand_id)
        .join(Campaign, Campaign.id == counted.c.campaign_id)
    )


def waiting_counts(*, db_session: Session) -> dict[str, Any]:
    """What waits for an admin, counted cheaply for the navigation: the queue (all, flagged)
    from its kept counts, and the open appeals. One query."""
    doubted = case((Counted.review_rank == 0, Counted.waiting), else_=0)
    appeals = select(func.count()).select_from(Appeal).where(Appeal.status == "open")
    total, flagged, open_appeals = db_session.execute(
        select(
            func.coalesce(func.sum(Counted.waiting), 0),
            func.coalesce(func.sum(doubted), 0),
            appeals.scalar_subquery(),
        )
    ).one()
    return {
        "queue": {"total": int(total), "flagged": int(flagged)},
        "appeals": {"open": int(open_appeals or 0)},
    }


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


def _page_items(
    db_session: Session, rows: Sequence[Any], *, sla_hours: float
) -> list[dict[str, Any]]:
    """Queue items for rows of _page_columns (photos among their columns); products and
    matched photos read for all of them at once."""
    checks = [_json(row.checks) for row in rows]
    links = photo_linker()
    products = products_of(db_session, {row.campaign_id for row in rows})
    matches = [match_rows(c) for c in checks]
    shown = photos_still_kept(db_session, {m["photo_id"] for ms in matches for m in ms})
    return [
        presenters.page_item_out(
            row,
            flags=_json(row.flags),
            checks=checked,
            answers=_json(row.answers),
            photos=_listed_photos(row.photos),
            products=products.get(row.campaign_id, []),
            matches=matched,
            shown=shown,
            sla_hours=sla_hours,
            links=links,
        )
        for row, checked, matched in zip(rows, checks, matches, strict=True)
    ]


class _Photo(NamedTuple):
    id: str
    position: int


def _listed_photos(pairs: str | None) -> list[_Photo]:
    """The photos of _photo_pairs' JSON, by position (unique per submission)."""
    return sorted(
        (_Photo(photo_id, position) for photo_id, position in orjson.loads(pairs or "[]") or ()),
        key=lambda photo: photo.position,
    )


def _json(stored: str | None) -> Any:
    """A JSON column's text as the JSON type would have decoded it; what orjson refuses (an
    int beyond 64 bits, NaN) by the standard library, as the type does."""
    if stored is None:
        return None
    try:
        return orjson.loads(stored)
    except orjson.JSONDecodeError:
        return json.loads(stored)


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
    for campaign_id, sku, name in db_session.execute(_products_statement(), {"ids": ids}):
        found.setdefault(campaign_id, []).append((sku, name))
    return found


@cache
def _products_statement() -> Select[str, str, str]:
    # Built once, the campaigns bound per call (`expanding`: one parameter per id).
    return (
        select(CampaignProduct.campaign_id, CampaignProduct.sku, CampaignProduct.name)
        .where(CampaignProduct.campaign_id.in_(bindparam("ids", expanding=True)))
        .order_by(CampaignProduct.campaign_id, CampaignProduct.sku)
    )


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
