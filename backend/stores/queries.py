"""What the API shows of stores: a page of them, newest first or nearest first. Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend import geo
from backend.accounts.models import User
from backend.errors import Invalid
from backend.kernel.scoping import get_visible, scoped
from backend.pagination import page, paginate
from backend.stores import rules
from backend.stores.models import Store, StoreImport

NEAR_DEFAULT_RADIUS_M = 10_000


@dataclass(frozen=True)
class StoreHit:
    """A store found, with its distance when the list was asked for near a point."""

    store: Store
    distance_m: float | None = None


@dataclass(frozen=True)
class StorePage:
    """A page of stores found and the cursor to the next, if any."""

    items: list[StoreHit]
    next_cursor: str | None


def stores_page(
    *,
    db_session: Session,
    user: User,
    limit: int,
    cursor: str | None = None,
    near: tuple[float, float] | None = None,
    radius_m: int | None = None,
) -> StorePage:
    """The stores the user may see: newest first, or nearest first within a radius of `near`."""
    if near is None:
        if radius_m is not None:
            raise Invalid("radius_m needs near.", errors={"radius_m": ["Only with `near`."]})
        stmt = paginate(scoped(select(Store), Store, user), Store, limit=limit, cursor=cursor)
        envelope = page(db_session.scalars(stmt).all(), limit=limit)
        return StorePage([StoreHit(s) for s in envelope["items"]], envelope["next_cursor"])
    return _nearest(
        db_session=db_session,
        user=user,
        near=near,
        radius_m=NEAR_DEFAULT_RADIUS_M if radius_m is None else radius_m,
        limit=limit,
        cursor=cursor,
    )


def _nearest(
    *,
    db_session: Session,
    user: User,
    near: tuple[float, float],
    radius_m: int,
    limit: int,
    cursor: str | None,
) -> StorePage:
    after: tuple[float, str] | None = None
    if cursor:
        try:
            after = rules.decode_distance_cursor(cursor)
        except ValueError as exc:
            raise Invalid(
                "The cursor is not one we gave out.", errors={"cursor": [str(exc)]}
            ) from None
    # The box is a cheap indexable prefilter; geopy's geodesic distance decides.
    box = geo.bounding_box(near[0], near[1], radius_m)
    stmt = scoped(select(Store), Store, user).where(
        Store.latitude.between(box.lat_min, box.lat_max)
    )
    if box.lon_ranges:
        stmt = stmt.where(or_(*(Store.longitude.between(w, e) for w, e in box.lon_ranges)))
    hits = []
    for store in db_session.scalars(stmt):
        distance = geo.distance_m(near, (store.latitude, store.longitude))
        if distance <= radius_m and (after is None or (distance, store.id) > after):
            hits.append(StoreHit(store, distance))
    hits.sort(key=lambda hit: (hit.distance_m, hit.store.id))
    items = hits[:limit]
    next_cursor = None
    if len(hits) > limit:
        last = items[-1]
        next_cursor = rules.encode_distance_cursor(last.distance_m or 0.0, last.store.id)
    return StorePage(items, next_cursor)


def store_import(*, db_session: Session, user: User, import_id: str) -> StoreImport:
    """One import the user may see (its brand's users, admins); 404 otherwise."""
    return get_visible(db_session, StoreImport, import_id, user)
