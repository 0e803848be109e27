"""Nearest open missions over a spatial index: SQLite's R*Tree, or PostGIS KNN on PostgreSQL.

Both return exactly what a brute-force great-circle scan returns (a test holds them to it):
the index narrows the candidates, `geo.nearest_within` ranks them.
"""

from __future__ import annotations

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

# KNN alone walks the GiST index nearest first and stops after LIMIT rows, whatever the
# radius; a radius in the WHERE lets the planner swap it for a bitmap scan and a sort
# (100 ms at 50 km). The window and worker filters sit outside, so ineligible rows still
# count towards the LIMIT and the walk stays bounded. The LIMIT is a literal so that the
# prepared statement's generic plan keeps the index walk (with a parameter it sorts).
_POSTGIS_KNN = f"""
    SELECT m.id, m.latitude, m.longitude, m.sphere_m,
           {_ELIGIBLE.format(now="%(now)s", worker="%(worker)s")} AS eligible
    FROM (
        SELECT m.id, m.campaign_id, m.latitude, m.longitude,
               m.location <-> ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography
                 AS sphere_m
        FROM missions AS m
        WHERE m.status = 'open'
        ORDER BY sphere_m
        LIMIT {{n:d}}
    ) AS m
    JOIN campaigns AS c ON c.id = m.campaign_id
    ORDER BY m.sphere_m
"""  # noqa: S608 (constant fragments and an int; every value is bound)

# PostGIS measures `<->` on a sphere of radius (2a + b) / 3; geopy's sphere is 0.23 m wider.
_POSTGIS_SPHERE_M = (2 * 6_378_137.0 + 6_356_752.314245) / 3
_TO_GEOPY = geo.EARTH_RADIUS_M / _POSTGIS_SPHERE_M * (1 - 1e-9)


_BIND_TIME: dict[str, Any] = {}


def _sqlite(
    db_session: Session, params: dict[str, Any], radius_m: float, limit: int
) -> list[tuple[str, float]]:
    lat, lon = params["lat"], params["lon"]
    cursor = driver_cursor(db_session)
    r = rules.first_search_radius(radius_m)
    while True:
        box = geo.bounding_box(lat, lon, r)
        rows: list[tuple[str, float, float]] = []
        for west, east in box.lon_ranges or ((-180.0, 180.0),):
            bounds = {"lat_min": box.lat_min, "lat_max": box.lat_max, "west": west, "east": east}
            rows += cursor.execute(_SQLITE_BOX, params | bounds).fetchall()
        ids, lats, lons = zip(*rows, strict=True) if rows else ((), (), ())
        found = geo.nearest_within((lat, lon), ids, lats, lons, r, limit)
        if len(found) >= limit or r >= radius_m:
            return found
        r = rules.next_search_radius(r, len(found), limit, radius_m)


def _postgresql(
    db_session: Session, params: dict[str, Any], radius_m: float, limit: int
) -> list[tuple[str, float]]:
    cursor = driver_cursor(db_session)
    n = rules.first_knn_size(limit)
    while True:
        rows = cursor.execute(_POSTGIS_KNN.format(n=n), params).fetchall()
        eligible = [row for row in rows if row[4]]
        found = geo.nearest_within(
            (params["lat"], params["lon"]),
            [row[0] for row in eligible],
            [row[1] for row in eligible],
            [row[2] for row in eligible],
            radius_m,
            limit,
        )
        if len(rows) < n:
            return found  # every open mission was seen
        # Nothing unseen is nearer than the last row; stop when that settles the answer.
        unseen_from = rows[-1][3] * _TO_GEOPY
        if unseen_from > radius_m or (len(found) == limit and unseen_from > found[-1][1]):
            return found
        n *= 4


def nearest_open(
    *,
    db_session: Session,
    latitude: float,
    longitude: float,
    radius_m: float,
    limit: int,
    now: datetime,
    worker_id: str | None,
) -> list[tuple[str, float]]:
    """(mission id, great-circle metres) of the nearest eligible open missions, nearest first."""
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
    search = _sqlite if dialect.name == "sqlite" else _postgresql
    return search(db_session, params, radius_m, limit)
