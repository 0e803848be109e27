"""Find by address: with a geocoder configured the find screen has an "Address" field, and the
missions near the address typed are listed; without one there is no such field. The geocoder
is the one thing stood in for (a table: no remote service can be asked here), so the server
runs in this process, where `use_geocoder` reaches it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from backend.marketplace.geocoding import use_geocoder
from backend.settings import override_settings
from tests.support.app import (
    heading,
    in_process,
    named,
    screen_problems,
    sign_in,
    tap,
    towel_stores,
)
from tests.support.console import button, by_label, wait
from tests.support.factories import PASSWORD, UserFactory
from tests.support.geocoder import TableGeocoder
from tests.support.submitting import BRUSSELS

pytestmark = pytest.mark.browser

GRAND_PLACE = ("Grand-Place, 1000 Bruxelles", BRUSSELS[0] + 0.003, BRUSSELS[1])


@pytest.fixture
def served(app: Any) -> Iterator[str]:
    """The test's app served by a threaded server in this process; its origin."""
    with in_process(app) as origin:
        yield origin


def find_screen(phone: Any, origin: str, make: Any) -> None:
    worker = make(UserFactory, display_name="Ada Address")
    sign_in(phone, origin, worker.email, PASSWORD)
    phone.get(f"{origin}/app/#/find")
    heading(phone, "Find missions")
    named(phone, "section", "Map")


def test_an_address_typed_lists_the_missions_near_it(
    app: Any, served: str, phone: Any, make: Any
) -> None:
    override_settings(app, GEOCODER="nominatim")
    geocoder = TableGeocoder({"Grand-Place": GRAND_PLACE})
    use_geocoder(app, geocoder)
    towel_stores(make)
    find_screen(phone, served, make)
    by_label(phone, "Address").send_keys("grand-place")
    tap(phone, button(phone, "Search address"))
    missions = named(phone, "ul", "Missions nearby")
    names = wait(phone, lambda _: [h.text for h in missions.find_elements(By.TAG_NAME, "h2")])
    assert names == ["Lidl Brussels Centre", "Delhaize Ixelles"]
    summary = phone.find_element(By.CSS_SELECTOR, "main p.message").text
    assert summary == "Around Grand-Place, 1000 Bruxelles: 2 missions"
    assert geocoder.asked == ["grand-place"]
    assert screen_problems(phone) == []


def test_no_address_field_without_a_geocoder(served: str, phone: Any, make: Any) -> None:
    find_screen(phone, served, make)
    button(phone, "Use my location")
    # The config is read with the map: once the map has drawn, the field would be there.
    wait(phone, lambda d: d.find_elements(By.CSS_SELECTOR, ".map-canvas.leaflet-container"))
    assert phone.find_elements(By.CSS_SELECTOR, "main input") == []
    assert screen_problems(phone) == []
