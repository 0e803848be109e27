"""The web console in a real headless Chromium: it shows the service's state as it is."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.missions.load import gunicorn as serve
from tests.services import free_port, missing

pytestmark = pytest.mark.browser

# As Chromium runs on a machine with a closed network: no first-run, sync or update traffic.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
STATUSES = ("api-status", "database-status", "broker-status")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        missing("Chromium and ChromeDriver (Debian: apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(chromium)
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _console(browser: Any, origin: str) -> dict[str, tuple[str, str]]:
    """Open the console and wait for its checks; (text, class) of each status."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{origin}/")
    status = browser.find_element(By.ID, "status")
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
    assert browser.title == "Fairfield console"
    links = {
        a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "nav a")
    }
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
