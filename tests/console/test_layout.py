"""The console as people see it: light and dark, on a 360 px phone and a desktop, with no
serious accessibility violation (contrast included) and no sideways scrolling; tiles from a
configured host pass the page's policy; what it ships stays small."""

from __future__ import annotations

import gzip
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.support.console import (
    ROOT,
    Desk,
    console_errors,
    screenshot,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, UserFactory
from tests.support.photos import jpeg, shelf

pytestmark = pytest.mark.browser

# What a first visit to the review screen downloads of code and style.
SHIPPED = [
    *sorted((ROOT / "static" / "console").rglob("*.js")),
    *sorted((ROOT / "static" / "console").rglob("*.css")),
    *sorted((ROOT / "static" / "common").rglob("*.js")),
    ROOT / "static" / "vendor" / "leaflet" / "dist" / "leaflet.js",
    ROOT / "static" / "vendor" / "leaflet" / "dist" / "leaflet.css",
    ROOT / "static" / "vendor" / "topojson-client" / "dist" / "topojson-client.min.js",
]


def scheme(browser: Any, value: str) -> None:
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": value}]},
    )


def test_light_and_dark_phone_and_desktop(desk: Desk, browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    sign_in(browser, desk.origin, desk.admin.email, PASSWORD)
    for colours, width, height in (("dark", 1400, 1000), ("light", 360, 740), ("dark", 360, 740)):
        scheme(browser, colours)
        browser.set_window_size(width, height)
        browser.get(f"{desk.origin}/#/review")
        browser.refresh()
        wait(browser, lambda b: b.find_elements(By.ID, "item-heading"))
        wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".map path.fence"))
        dark = browser.execute_script("return matchMedia('(prefers-color-scheme: dark)').matches")
        assert dark == (colours == "dark")
        assert serious_violations(browser) == [], (colours, width)
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (colours, width)
        screenshot(browser, f"review-{colours}-{width}", tmp_path)
    assert console_errors(browser) == []


@pytest.fixture
def tile_host(tmp_path: Path) -> Iterator[str]:
    """Another origin serving map tiles (any tile path answers the same picture)."""
    folder = tmp_path / "tiles"
    folder.mkdir()
    (folder / "tile.jpg").write_bytes(jpeg(shelf(256, 256)))
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_tiles_from_the_configured_host_draw_under_the_map(
    app_config: dict[str, Any], tile_host: str, request: pytest.FixtureRequest, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    from tests.support.console import in_review, submit_for_review
    from tests.support.processes import wait_until

    app_config["MAP_TILE_URL"] = f"{tile_host}/tile.jpg?z={{z}}&x={{x}}&y={{y}}"
    origin = request.getfixturevalue("gunicorn").removesuffix("/api/v1")
    client, db, make = (request.getfixturevalue(n) for n in ("client", "db", "make"))
    request.getfixturevalue("start_worker")()
    submission = submit_for_review(client, request.getfixturevalue("claim"), far=True, seed=7)
    wait_until(lambda: in_review(db, [submission]), 90, "the worker to validate it")
    admin = make(UserFactory, admin=True)

    sign_in(browser, origin, admin.email, PASSWORD)
    tiles = wait(
        browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".map img.leaflet-tile-loaded")
    )
    assert tiles[0].get_attribute("src").startswith(f"{tile_host}/tile.jpg?z=")
    assert browser.find_elements(By.CSS_SELECTOR, ".map path.land") == []  # tiles, not outlines
    assert console_errors(browser) == []  # the policy let the tile host's images in


def test_code_and_style_shipped_stay_under_250_kb_compressed() -> None:
    compressed = sum(len(gzip.compress(path.read_bytes(), 9)) for path in SHIPPED)
    assert compressed < 250_000, compressed
