"""Pure rules: the search box always holds the circle; distances are geopy's."""

from __future__ import annotations

from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from backend import geo
from backend.missions import rules


@given(
    lat=st.floats(-85, 85),
    lon=st.floats(-179, 179),
    radius=st.floats(1, 50_000),
    bearing=st.floats(0, 360),
)
@settings(max_examples=300, deadline=None)
def test_bounding_box_holds_every_point_within_the_radius(lat, lon, radius, bearing):
    edge = geodesic(meters=radius).destination((lat, lon), bearing)
    box = geo.bounding_box(lat, lon, radius)
    assert box.lat_min <= edge.latitude <= box.lat_max
    assert not box.lon_ranges or any(w <= edge.longitude <= e for w, e in box.lon_ranges)


def test_search_radii_expand_to_the_radius():
    assert rules.search_radii(5000) == [625, 1250, 2500, 5000]
    assert rules.search_radii(300) == [300]
    assert rules.search_radii(4000) == [625, 1250, 2500, 4000]


def test_effective_hourly_rate_counts_the_walk():
    # 6.00 EUR for 15 minutes in store, 1.125 km away at 4.5 km/h = 15 minutes walking.
    rate = rules.effective_hourly_rate(
        reward_minor=600, est_minutes=15, distance_m=1125, speed_kmh=4.5
    )
    assert rate == 1200


def test_geofence_allows_for_accuracy_up_to_a_cap():
    assert rules.inside_geofence(150, 0, 150)
    assert not rules.inside_geofence(151, 0, 150)
    assert rules.inside_geofence(200, 60, 150)
    assert not rules.inside_geofence(400, 5000, 150)  # a vague fix proves nothing


@given(
    lat=st.floats(-80, 80),
    lon=st.floats(-179, 179),
    dlat=st.floats(-0.5, 0.5),
    dlon=st.floats(-0.5, 0.5),
)
@settings(max_examples=500, deadline=None)
def test_haversine_stays_within_the_stated_error_of_geodesic(lat, lon, dlat, dlon):
    a, b = (lat, lon), (lat + dlat, lon + dlon)
    exact = geodesic(a, b).meters
    assert abs(geo.haversine_m(a, b) - exact) <= exact * geo.SPHERE_ERROR + 1e-6
