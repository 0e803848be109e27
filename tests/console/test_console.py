"""The console's "Service status" page in a real headless Chromium: the service's state as it is,
reachable before signing in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.load import gunicorn as serve
from tests.support.services import free_port

pytestmark = pytest.mark.browser

STATUSES = ("api-status", "database-status", "broker-status")


def _console(browser: Any, origin: str) -> dict[str, tuple[str, str]]:
    """Open the console and wait for its checks; (text, class) of each status."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{origin}/#/status")
    status = WebDriverWait(browser, 30).until(lambda b: b.find_element(By.ID, "status"))
    WebDriverWait(browser, 30).until(lambda _: status.get_attribute("aria-busy") == "false")
    shown = {}
    for name in STATUSES:
        element = browser.find_element(By.ID, name)
        shown[name] = (element.text, element.get_attribute("class"))
    return shown


def test_the_console_shows_every_part_of_the_service_up(gunicorn: str, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    origin = gunicorn.removesuffix("/api/v1")
    assert _console(browser, origin) == dict.fromkeys(STATUSES, ("ok", "ok"))
    assert browser.title == "Service status · Fairfield console"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Service status"
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a")}
    assert links["← Back"] == f"{origin}/#/"  # a way back: home, which asks to sign in
    assert links["API documentation"] == f"{origin}/docs"
    browser.get(links["API documentation"])  # the documentation page itself loads
    assert "Fairfield" in browser.title


def test_the_console_says_when_the_broker_is_down(
    app_config: dict[str, Any], tmp_path: Path, browser: Any
) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # a port where no Redis listens
    with serve(app_config | {"BROKER_URL": nobody}, tmp_path / "gunicorn.log") as base:
        shown = _console(browser, base.removesuffix("/api/v1"))
    assert shown["api-status"] == ("ok", "ok")
    assert shown["database-status"] == ("ok", "ok")
    text, css = shown["broker-status"]
    assert (text != "ok", css) == (True, "bad")  # said in words, not by colour alone
