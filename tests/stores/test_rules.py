"""Pure store rules: no database."""

from __future__ import annotations

import io
import math
import tracemalloc

import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from backend import geo
from backend.stores import rules
from backend.stores.csvfile import MAX_LINE_CHARS, CsvRows


@settings(max_examples=300, deadline=None)
@given(
    latitude=st.floats(-89.9, 89.9),
    longitude=st.floats(-180, 180),
    radius=st.integers(1, rules.RADIUS_MAX_M),
    fraction=st.floats(0, 1),
    bearing=st.floats(0, 360),
)
def test_bounding_box_holds_every_point_inside_the_radius(
    latitude, longitude, radius, fraction, bearing
):
    point = geodesic(meters=radius * fraction).destination((latitude, longitude), bearing)
    box = geo.bounding_box(latitude, longitude, radius)
    assert box.lat_min <= point.latitude <= box.lat_max
    if box.lon_ranges:
        assert any(west <= point.longitude <= east for west, east in box.lon_ranges)


def test_bounding_box_splits_at_the_antimeridian():
    box = geo.bounding_box(0.0, 179.99, 5000)
    assert len(box.lon_ranges) == 2
    assert box.lon_ranges[1][0] == -180.0


def test_distance_is_geodesic():
    brussels, amsterdam = (50.8467, 4.3525), (52.3731, 4.8926)
    assert geo.distance_m(brussels, amsterdam) == pytest.approx(173_400, rel=0.01)


@pytest.mark.parametrize("value", ["", "50", "a,b", "91,0", "0,181", "nan,0", "1,2,3", "inf,1"])
def test_parse_near_refuses_what_is_not_a_position(value):
    with pytest.raises(ValueError, match=r"."):
        rules.parse_near(value)


def test_distance_cursor_round_trips_and_refuses_forgeries():
    cursor = rules.encode_distance_cursor(12.5, "abc")
    assert rules.decode_distance_cursor(cursor) == (12.5, "abc")
    for forged in ("", "!!!", "WzEsMl0", rules.encode_distance_cursor(math.inf, "x")):
        with pytest.raises(ValueError, match="cursor"):
            rules.decode_distance_cursor(forged)


def row(**cells):
    base = {"name": "Shop", "latitude": "50.8", "longitude": "4.3"}
    return rules.parse_row(base | cells)


def test_parse_row_defaults_and_text():
    data, problems = row(chain=" ", geofence_m="", external_ref=" R1 ", address="=1+2")
    assert problems == []
    assert data["chain"] is None
    assert data["geofence_m"] == rules.GEOFENCE_DEFAULT_M
    assert data["external_ref"] == "R1"
    assert data["address"] == "=1+2"  # a formula is only text


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"name": " "}, "name"),
        ({"latitude": "NaN"}, "latitude"),
        ({"latitude": "north"}, "latitude"),
        ({"longitude": "-181"}, "longitude"),
        ({"longitude": ""}, "longitude"),
        ({"geofence_m": "10"}, "geofence_m"),
        ({"geofence_m": "1001"}, "geofence_m"),
        ({"geofence_m": "1.5"}, "geofence_m"),
        ({"name": "x" * 201}, "name"),
        ({"external_ref": "r" * 101}, "external_ref"),
        ({"chain": "a\x00b"}, "chain"),
        ({"address": "caf\udcc3"}, "address"),
    ],
)
def test_parse_row_names_the_column(cells, column):
    _data, problems = row(**cells)
    assert len(problems) == 1
    assert problems[0].startswith(column + ":")


def test_header_problems():
    assert rules.header_problems(list(rules.CSV_COLUMNS)) == []
    assert rules.header_problems(["name", "latitude", "longitude"]) == []
    (problem,) = rules.header_problems(["name", "latitude"])
    assert "longitude" in problem
    (problem,) = rules.header_problems(["shop", "name", "latitude", "longitude"])
    assert "'shop'" in problem


def test_csv_rows_number_lines_and_survive_hostile_bytes():
    data = (
        b"\xef\xbb\xbfname,latitude\r\n"
        b"a,1\r\n"
        b'"two\nlines",2\n'
        b"caf\xc3,3\n" + b"x" * (MAX_LINE_CHARS * 3) + b"\n"
        b'"bad"quote,4\n'
        b"last,5"
    )
    rows = list(CsvRows(io.BytesIO(data)))
    assert [(r.line, r.cells, r.problem is None) for r in rows] == [
        (1, ["name", "latitude"], True),
        (2, ["a", "1"], True),
        (3, ["two\nlines", "2"], True),
        (5, ["caf\udcc3", "3"], True),
        (6, [], False),
        (7, [], False),
        (8, ["last", "5"], True),
    ]
    assert "longer than" in (rows[4].problem or "")


def test_csv_rows_read_a_large_file_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(b"name,latitude,longitude\n")
        for _ in range(20):
            out.write(b"Some store name,50.8467,4.3525\n" * 10_000)
        out.write(b"x" * 3_000_000 + b"\n")  # one hostile line with no end in sight
    tracemalloc.start()
    try:
        with path.open("rb") as raw:
            count = sum(1 for _ in CsvRows(raw))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_002
    assert peak < 2_000_000
