"""Driving the worker app on a phone-sized headless Chromium: open a screen, put the phone
somewhere, sign in, find things by the names the issue fixes ("Use my location", "Claim",
"Check in", "Missions nearby", "Map"), and check each screen (axe-core, console errors)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from tests.support.console import button, by_label, console_errors, serious_violations, wait
from tests.support.factories import (
    PASSWORD,
    BrandFactory,
    CampaignFactory,
    MissionFactory,
    StoreFactory,
)
from tests.support.submitting import BRUSSELS

PHONE = {"deviceMetrics": {"width": 360, "height": 640, "pixelRatio": 2}}


def origin_of(api_url: str) -> str:
    """The site's origin from the live server's /api/v1 base URL."""
    return api_url.removesuffix("/api/v1")


def open_screen(phone: Any, origin: str, hash_: str = "#/") -> str:
    """Open the app at `hash_` and wait for the screen's heading; its text."""
    phone.get(f"{origin}/app/{hash_}")
    return heading(phone)


def heading(phone: Any, text: str | None = None) -> str:
    """The screen's h1 once drawn (and, with `text`, once it begins with it)."""
    from selenium.webdriver.common.by import By

    def shown(driver: Any) -> str | None:
        found = driver.find_elements(By.CSS_SELECTOR, "main h1")
        title = found[0].text.strip() if found else ""
        if not title or (text is not None and not title.startswith(text)):
            return None
        return title

    return str(wait(phone, shown))


def put_phone_at(
    phone: Any, origin: str, latitude: float, longitude: float, accuracy: float = 10
) -> None:
    """Allow geolocation for the app's origin and place the phone at this point."""
    phone.execute_cdp_cmd(
        "Browser.grantPermissions", {"origin": origin, "permissions": ["geolocation"]}
    )
    phone.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": latitude, "longitude": longitude, "accuracy": accuracy},
    )


def sign_in(phone: Any, origin: str, email: str, password: str) -> None:
    """Sign in with the form as a worker does, and wait for the home screen."""
    open_screen(phone, origin, "#/signin")
    by_label(phone, "Email").send_keys(email)
    by_label(phone, "Password").send_keys(password)
    tap(phone, button(phone, "Sign in"))
    heading(phone, "Hello")


def sign_up(phone: Any, origin: str, name: str, email: str) -> None:
    """Create a worker account with the app's form; the app goes on to "Find missions"."""
    open_screen(phone, origin, "#/signup")
    by_label(phone, "Your name").send_keys(name)
    by_label(phone, "Email").send_keys(email)
    by_label(phone, "Password").send_keys(PASSWORD)
    tap(phone, button(phone, "Create account"))
    heading(phone, "Find missions")


def tap(phone: Any, element: Any) -> None:
    """Scroll `element` to the middle of the screen and tap it, as a thumb would: at the
    bottom edge it would lie under the tabs, where the tap lands on a tab."""
    phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def named(phone: Any, css: str, name: str) -> Any:
    """The element matching `css` whose aria-label is `name` (a list, a region)."""
    from selenium.webdriver.common.by import By

    def found(driver: Any) -> Any:
        for element in driver.find_elements(By.CSS_SELECTOR, css):
            if element.get_attribute("aria-label") == name:
                return element
        return None

    return wait(phone, found)


def text_of(phone: Any, css: str = "main") -> str:
    """The visible text of the first element matching `css`."""
    from selenium.webdriver.common.by import By

    return str(phone.find_element(By.CSS_SELECTOR, css).text)


def wait_for_text(phone: Any, text: str, css: str = "main") -> str:
    """Wait until `text` shows inside `css`; the element's whole text."""
    from selenium.webdriver.common.by import By

    def shown(driver: Any) -> str | None:
        found = driver.find_elements(By.CSS_SELECTOR, css)
        whole = found[0].text if found else ""
        return whole if text in whole else None

    return str(wait(phone, shown))


def screen_problems(phone: Any, allowed: tuple[str, ...] = ()) -> list[Any]:
    """Serious or critical axe-core violations, and console errors, on the screen shown."""
    return [*serious_violations(phone), *console_errors(phone, allowed)]


def towel_stores(make: Any) -> tuple[Any, Any]:
    """A campaign at two stores in Brussels, 330 m and 2.2 km from where the phone will be,
    and one in Antwerp, out of reach."""
    brand = make(BrandFactory, name="Towels & Co")
    campaign = make(
        CampaignFactory,
        brand_id=brand.id,
        skus=("TOW-1", "TOW-2"),
        photos_required=2,
        instructions="Count the towels at eye level.",
        photo_instructions="The whole towel shelf, front on.",
    )
    places = {
        "Lidl Brussels Centre": BRUSSELS,
        "Delhaize Ixelles": (BRUSSELS[0] - 0.02, BRUSSELS[1]),
        "Carrefour Antwerp": (51.2194, 4.4025),
    }
    missions = {}
    for name, (latitude, longitude) in places.items():
        store = make(
            StoreFactory,
            brand_id=brand.id,
            name=name,
            address=f"{name} street 1",
            latitude=latitude,
            longitude=longitude,
        )
        missions[name] = make(
            MissionFactory, campaign=campaign, store_id=store.id, at=(latitude, longitude)
        )
    return brand, missions


@contextlib.contextmanager
def in_process(app: Any) -> Iterator[str]:
    """Serve `app` from a threaded server in this process (where a test can reach into it:
    a geocoder stood in, a new version of the shell); its origin."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
