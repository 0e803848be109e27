"""Pure rules: the search box always holds the circle; distances are geopy's; travel, pay
per hour and claim windows."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from geopy.distance import geodesic, great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from backend import geo
from backend.marketplace import rules


@given(
    lat=st.floats(-85, 85),
    lon=st.floats(-179, 179),
    radius=st.floats(1, 50_000),
    bearing=st.floats(0, 360),
)
@settings(max_examples=300, deadline=None)
def test_bounding_box_holds_every_point_within_the_radius(lat, lon, radius, bearing):
    box = geo.bounding_box(lat, lon, radius)
    # The box serves both measures: geodesic (stores) and great circle (missions).
    for measure in (geodesic, great_circle):
        edge = measure(meters=radius).destination((lat, lon), bearing)
        assert box.lat_min <= edge.latitude <= box.lat_max
        assert not box.lon_ranges or any(w <= edge.longitude <= e for w, e in box.lon_ranges)


def test_search_radius_grows_with_the_density_seen_and_ends_at_the_radius():
    assert rules.first_search_radius(5000) == 625
    assert rules.first_search_radius(300) == 300
    assert rules.next_search_radius(625, 0, 20, 5000) == 2500  # empty: four times
    assert rules.next_search_radius(625, 15, 20, 5000) == 1250  # nearly there: double
    # 1 of 20 in 625 m: 20 need about sqrt(20) times the radius, with a margin.
    assert rules.next_search_radius(625, 1, 20, 50_000) == pytest.approx(625 * 1.25 * 20**0.5)
    assert rules.next_search_radius(2500, 0, 20, 5000) == 5000


def test_a_box_too_full_to_rank_shrinks_to_a_sixteenth_or_halfway_back():
    assert rules.box_row_cap(20) == 256
    assert rules.box_row_cap(100) == 800
    assert rules.smaller_search_radius(625, 0, 625) == 156.25  # none read whole yet
    assert rules.smaller_search_radius(2, 0, 2) == rules.SEARCH_FLOOR_M  # never under the floor
    # 625 m held too few and 2,500 m too many: halfway between.
    assert rules.smaller_search_radius(2500, 625, 2500) == 1562.5


def test_knn_sizes_are_few_and_leave_a_margin():
    sizes = {rules.first_knn_size(limit) for limit in range(1, rules.LIMIT_MAX + 1)}
    assert sizes == {16, 32, 64, 128}
    assert all(rules.first_knn_size(n) >= n + 8 for n in range(1, rules.LIMIT_MAX + 1))


def test_effective_hourly_rate_counts_the_walk():
    # 6.00 EUR for 15 minutes in store, 1.125 km away at 4.5 km/h = 15 minutes walking.
    travel = rules.travel_minutes(1125, 4.5)
    assert travel == 15
    rate = rules.effective_hourly_rate(pay_minor=600, est_minutes=15, travel_minutes=travel)
    assert rate == 1200
    # Next door: the time in store alone. Rounded down, never shown higher than it is.
    assert rules.effective_hourly_rate(pay_minor=600, est_minutes=15, travel_minutes=0) == 2400
    assert rules.effective_hourly_rate(pay_minor=300, est_minutes=35, travel_minutes=0) == 514


def test_travel_minutes_round_to_the_nearest_minute():
    assert rules.travel_minutes(0, 4.5) == 0
    assert rules.travel_minutes(37, 4.5) == 0  # 0.49 minutes
    assert rules.travel_minutes(38, 4.5) == 1  # 0.51 minutes
    assert rules.travel_minutes(3000, 4.5) == 40
    assert rules.travel_minutes(3000, 15) == 12  # a bicycle


def test_an_estimate_without_a_position_has_no_travel():
    assert rules.estimate(est_minutes=20, distance_m=None, speed_kmh=4.5) == (None, 20, None)
    assert rules.estimate(est_minutes=20, distance_m=1500.04, speed_kmh=4.5) == (20, 20, 1500.0)


def test_claim_window_is_travel_time_and_buffer_within_bounds():
    policy = rules.WindowPolicy(buffer_minutes=60, min_minutes=45, max_minutes=240, speed_kmh=4.5)
    window = rules.claim_window(travel_minutes=40, est_minutes=15, policy=policy)
    assert window == rules.ClaimWindow(40, 15, 60, 115)
    assert rules.claim_window(travel_minutes=0, est_minutes=15, policy=policy).total_minutes == 75
    assert rules.claim_window(travel_minutes=300, est_minutes=15, policy=policy) == (
        rules.ClaimWindow(300, 15, 60, 240)
    )
    short = policy._replace(buffer_minutes=0)
    assert rules.claim_window(travel_minutes=0, est_minutes=15, policy=short).total_minutes == 45
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert rules.claim_expires_at(now, window) == datetime(2026, 1, 1, 13, 55, tzinfo=UTC)


def test_geofence_allows_for_accuracy_up_to_a_cap():
    assert rules.inside_geofence(150, 0, 150)
    assert not rules.inside_geofence(151, 0, 150)
    assert rules.inside_geofence(200, 60, 150)
    assert not rules.inside_geofence(400, 5000, 150)  # a vague fix proves nothing


@given(
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    offsets=st.lists(
        st.tuples(st.floats(-0.6, 0.6), st.floats(-0.6, 0.6)), min_size=1, max_size=50
    ),
)
@settings(max_examples=500, deadline=None)
def test_vectorised_great_circle_is_geopys_to_the_centimetre(lat, lon, offsets):
    lats = np.clip([lat + d for d, _ in offsets], -90, 90)
    lons = (np.array([lon + d for _, d in offsets]) + 180) % 360 - 180
    got = geo.great_circle_many(lat, lon, lats, lons)
    for metres, la, lo in zip(got, lats, lons, strict=True):
        assert abs(metres - great_circle((lat, lon), (la, lo)).meters) < 0.01


def test_nearest_within_ranks_by_distance_then_id_and_keeps_ties():
    origin = (50.0, 4.0)
    ids = ["b", "a", "c", "far"]
    lats = [50.001, 50.001, 50.0, 50.1]
    lons = [4.0, 4.0, 4.002, 4.0]
    found = geo.nearest_within(origin, ids, lats, lons, 1000, 2)
    # a and b tie at about 111 m; c is about 143 m: the tie is settled by id.
    assert [mid for mid, _ in found] == ["a", "b"]
    assert found[0][1] == pytest.approx(great_circle(origin, (50.001, 4.0)).meters, abs=0.01)
    assert geo.nearest_within(origin, ids, lats, lons, 100, 5) == []
    assert geo.nearest_within(origin, [], [], [], 1000, 5) == []
