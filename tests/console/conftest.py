"""A real headless Chromium for the page tests, as on a machine with a closed network."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.console import Desk, in_review, submit_for_review
from tests.support.factories import UserFactory
from tests.support.processes import wait_until
from tests.support.services import missing

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


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Chromium under ChromeDriver; `browser.get_log("browser")` holds the page's console."""
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
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def desk(gunicorn: str, client: Any, db: Any, make: Any, claim: Any, start_worker: Any) -> Desk:
    """The console under gunicorn with two flagged submissions (3 km from the store) and one
    a campaign sends to a person, all validated by a real Celery worker; an admin to review."""
    start_worker()
    flagged = [submit_for_review(client, claim, far=True, seed=seed) for seed in (1, 2)]
    plain = [submit_for_review(client, claim, far=False, seed=3)]
    wait_until(lambda: in_review(db, flagged + plain), 90, "the worker to validate them")
    admin = make(UserFactory, admin=True, display_name="Ada Reviewer")
    return Desk(gunicorn.removesuffix("/api/v1"), admin, flagged, plain)
