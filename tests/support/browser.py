"""A real headless Chromium under ChromeDriver, as on a machine with a closed network: the
console's desktop pages and the worker app's phone screens are tested in it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.console import FLAGS
from tests.support.services import missing


@contextmanager
def chromium(profile: Path, *, mobile: dict[str, Any] | None = None) -> Iterator[Any]:
    """A Chromium driver with its own profile; `mobile` is ChromeDriver's mobileEmulation
    (a device metrics dict) for phone screens. `get_log("browser")` holds the console."""
    binary, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not chromedriver:
        missing("Chromium and ChromeDriver (Debian: apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(binary)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if mobile is not None:
        options.add_experimental_option("mobileEmulation", mobile)
    driver = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
