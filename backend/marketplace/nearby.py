"""Nearest open missions over a spatial index: SQLite's R*Tree, or PostGIS KNN on PostgreSQL.

Both return exactly what a brute-force great-circle scan returns (a test holds them to it):
the index narrows the candidates, `geo.nearest_within` ranks them.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from backend import geo
from backend.db import UTCDateTime, driver_cursor
from backend.marketplace import rules

# Open, inside its campaign's window, and not a store this worker has already done for the
# campaign (a campaign has one mission per store, so that is a submitted assignment here).
# Written once for both drivers' placeholder styles: {now} and {worker}.
_ELIGIBLE = """
    c.starts_at <= {now} AND c.ends_at > {now}
    AND NOT EXISTS (SELECT 1 FROM assignments AS a
                    WHERE a.mission_id = m.id AND a.worker_id = {worker}
                      AND a.status = 'submitted')
"""

# The R*Tree holds open missions only (migration 0002). Its coordinates are 32-bit floats
# rounded outwards, so an overlap test never loses a point on the edge of the box. CROSS
# JOIN pins the order, the index first, whatever statistics ANALYZE leaves (a test checks).
_SQLITE_BOX = f"""
    SELECT m.id, m.latitude, m.longitude
    FROM missions_rtree AS r
    CROSS JOIN missions AS m ON m.rowid = r.id
    CROSS JOIN campaigns AS c ON c.id = m.campaign_id
    WHERE r.max_lat >= :lat_min AND r.min_lat <= :lat_max
      AND r.max_lon >= :west AND r.min_lon <= :east
      AND m.status = 'open' AND {_ELIGIBLE.format(now=":now", worker=":worker")}
"""  # noqa: S608 (constant fragments; every value is bound)

# What the nearby list shows of each mission, in one row: service.Card's fields in order
# (a test holds them equal), then the task's counts (products, questions). `m` is a mission,
# `s` its store, `c` its campaign.
_CARD_COLUMNS = """
    m.id, m.status, m.brand_id, m.reward_amount_minor, m.reward_currency, m.bonus_minor,
    s.id, s.name, s.address, s.latitude, s.longitude,
    c.id, c.name, c.instructions, c.est_minutes, c.photos_required, c.ends_at,
    (SELECT count(*) FROM campaign_products AS p WHERE p.campaign_id = c.id),
    json_array_length(c.questions)
"""
CARD_WIDTH = 17  # the Card's columns; ends_at, the last of them, is converted

# The cards of the missions ranked, after the search (on SQLite a statement costs no trip).
_SQLITE_CARDS = f"""
    SELECT {_CARD_COLUMNS}
    FROM missions AS m
    JOIN stores AS s ON s.id = m.store_id
    JOIN campaigns AS c ON c.id = m.campaign_id
    WHERE m.id IN (SELECT value FROM json_each(?))
"""  # noqa: S608 (constant fragments; the ids are bound)

# KNN alone walks the GiST index nearest first and stops after LIMIT rows, whatever the
# radius; a radius in the WHERE lets the planner swap it for a bitmap scan and a sort
# (100 ms at 50 km). The window and worker filters sit outside, so ineligible rows still
# count towards the LIMIT and the walk stays bounded. The LIMIT is a literal so that the
# prepared statement's generic plan keeps the index walk (with a parameter it sorts).
# {cards}: with each row's card after the five search columns, so that the endpoint makes
# one round trip for the search and what it shows (empty for the search alone).
_POSTGIS_KNN = f"""
    SELECT m.id, m.latitude, m.longitude, m.sphere_m,
           {_ELIGIBLE.format(now="%(now)s", worker="%(worker)s")} AS eligible {{cards}}
    FROM (
        SELECT m.id, m.campaign_id, m.latitude, m.longitude,
               m.store_id, m.status, m.brand_id, m.reward_amount_minor, m.reward_currency,
               m.bonus_minor,
               m.location <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography
                 AS sphere_m
        FROM missions AS m
        WHERE m.status = 'open'
        ORDER BY sphere_m
        LIMIT {{n:d}}
    ) AS m
    JOIN campaigns AS c ON c.id = m.campaign_id {{stores}}
    ORDER BY m.sphere_m
"""  # noqa: S608 (constant fragments and an int; every value is bound)
_KNN_BARE = {"cards": "", "stores": ""}
_KNN_CARDS = {"cards": "," + _CARD_COLUMNS, "stores": "JOIN stores AS s ON s.id = m.store_id"}

# PostGIS measures `<->` on a sphere of radius (2a + b) / 3; geopy's sphere is 0.23 m wider.
_POSTGIS_SPHERE_M = (2 * 6_378_137.0 + 6_356_752.314245) / 3
_TO_GEOPY = geo.EARTH_RADIUS_M / _POSTGIS_SPHERE_M * (1 - 1e-9)


_BIND_TIME: dict[str, Any] = {}
_READ_TIME: dict[str, Any] = {}

# (mission id, great-circle metres), nearest first.
Ranked = list[tuple[str, float]]


def _sqlite(
    db_session: Session, params: dict[str, Any], radius_m: float, limit: int
) -> tuple[Ranked, dict[str, tuple[Any, ...]]]:
    lat, lon = params["lat"], params["lon"]
    cursor = driver_cursor(db_session)
    cap = rules.box_row_cap(limit)
    # Each box is read only up to a cap: one holding thousands of stores (a district packed
    # with them) is not ranked whole, a smaller one is tried. A capped read is never ranked,
    # so the answer is still that of whole boxes. `short`: the widest box read whole that
    # held too few; `full`: the narrowest box that held more than the cap.
    short, full = 0.0, math.inf
    r = rules.first_search_radius(radius_m)
    while True:
        capped = r > rules.SEARCH_FLOOR_M and full - short > rules.SEARCH_FLOOR_M
        rows = _sqlite_box(cursor, params, r, cap if capped else None)
        if rows is None:
            full = r
            r = rules.smaller_search_radius(r, short, full)
            continue
        ids, lats, lons = zip(*rows, strict=True) if rows else ((), (), ())
        found = geo.nearest_within((lat, lon), ids, lats, lons, r, limit)
        if len(found) >= limit or r >= radius_m:
            return found, {}
        short = r
        if full == short:  # the full box, read whole at last: past it, boxes may grow again
            full = math.inf
        if full - short <= rules.SEARCH_FLOOR_M:
            r = full  # so near the full box: read that one whole
        else:
            r = min(rules.next_search_radius(r, len(found), limit, radius_m), (short + full) / 2)


def _sqlite_box(
    cursor: Any, params: dict[str, Any], r: float, cap: int | None
) -> list[tuple[str, float, float]] | None:
    """The eligible open missions in the box around the point, or None past `cap` of them."""
    box = geo.bounding_box(params["lat"], params["lon"], r)
    sql, limit = (_SQLITE_BOX, {}) if cap is None else (_SQLITE_BOX + " LIMIT :cap", {"cap": cap})
    rows: list[tuple[str, float, float]] = []
    for west, east in box.lon_ranges or ((-180.0, 180.0),):
        bounds = {"lat_min": box.lat_min, "lat_max": box.lat_max, "west": west, "east": east}
        part = cursor.execute(sql, params | bounds | limit).fetchall()
        if cap is not None and len(part) >= cap:
            return None
        rows += part
    return rows


def _postgresql(
    db_session: Session, params: dict[str, Any], radius_m: float, limit: int, with_cards: bool
) -> tuple[Ranked, dict[str, tuple[Any, ...]]]:
    cursor = driver_cursor(db_session)
    n = rules.first_knn_size(limit)
    parts = _KNN_CARDS if with_cards else _KNN_BARE
    while True:
        rows = cursor.execute(_POSTGIS_KNN.format(n=n, **parts), params).fetchall()
        eligible = [row for row in rows if row[4]]
        found = geo.nearest_within(
            (params["lat"], params["lon"]),
            [row[0] for row in eligible],
            [row[1] for row in eligible],
            [row[2] for row in eligible],
            radius_m,
            limit,
        )
        # Nothing unseen is nearer than the last row; stop when that settles the answer
        # (or every open mission was seen).
        unseen_from = rows[-1][3] * _TO_GEOPY if rows else 0.0
        if (
            len(rows) < n
            or unseen_from > radius_m
            or (len(found) == limit and unseen_from > found[-1][1])
        ):
            return found, {row[0]: row[5:] for row in eligible} if with_cards else {}
        n *= 4


def _search(
    db_session: Session,
    latitude: float,
    longitude: float,
    radius_m: float,
    limit: int,
    now: datetime,
    worker_id: str | None,
    with_cards: bool,
) -> tuple[Ranked, dict[str, tuple[Any, ...]]]:
    dialect = db_session.get_bind().dialect
    if dialect.name not in _BIND_TIME:
        # Bound as the column type stores it: SQLite keeps a naive UTC string.
        _BIND_TIME[dialect.name] = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    bind = _BIND_TIME[dialect.name]
    params = {
        "lat": latitude,
        "lon": longitude,
        "now": bind(now) if bind else now,
        "worker": worker_id or "",
    }
    if dialect.name == "sqlite":
        return _sqlite(db_session, params, radius_m, limit)
    return _postgresql(db_session, params, radius_m, limit, with_cards)


def nearest_open(
    *,
    db_session: Session,
    latitude: float,
    longitude: float,
    radius_m: float,
    limit: int,
    now: datetime,
    worker_id: str | None,
) -> Ranked:
    """(mission id, great-circle metres) of the nearest eligible open missions, nearest first."""
    found, _ = _search(db_session, latitude, longitude, radius_m, limit, now, worker_id, False)
    return found


def nearest_open_cards(
    *,
    db_session: Session,
    latitude: float,
    longitude: float,
    radius_m: float,
    limit: int,
    now: datetime,
    worker_id: str | None,
) -> list[tuple[tuple[Any, ...], float]]:
    """What nearest_open finds, as (card row, great-circle metres): the row is service.Card's
    fields (ends_at as the column type reads it), then the task's products and questions.

    One round trip on PostgreSQL (the cards come with the search), two statements on SQLite.
    """
    found, cards = _search(db_session, latitude, longitude, radius_m, limit, now, worker_id, True)
    if not found:
        return []
    dialect = db_session.get_bind().dialect
    if not cards:
        ids = json.dumps([mid for mid, _ in found])
        rows = driver_cursor(db_session).execute(_SQLITE_CARDS, (ids,)).fetchall()
        cards = {row[0]: row for row in rows}
    if dialect.name not in _READ_TIME:
        _READ_TIME[dialect.name] = (
            UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
        )
    read = _READ_TIME[dialect.name]
    last = CARD_WIDTH - 1
    out = []
    for mid, metres in found:
        row = cards.get(mid)
        if row is None:  # gone since the search (SQLite reads it again)
            continue
        if read is not None:
            row = (*row[:last], read(row[last]), *row[last + 1 :])
        out.append((row, metres))
    return out
