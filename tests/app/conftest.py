"""The worker app's browser tests: a phone (360 by 640, pixel ratio 2) in headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.app import PHONE
from tests.support.browser import chromium


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[Any]:
    """A phone-sized headless Chromium (ChromeDriver's mobile emulation); its console is in
    `phone.get_log("browser")`, geolocation is set through DevTools (support.app)."""
    with chromium(tmp_path / "phone", mobile=PHONE) as driver:
        yield driver


@pytest.fixture
def full_flow(backend_name: str) -> None:
    """Ask for it first: the full flows run on PostgreSQL, SQLite has the smoke tests."""
    if backend_name != "postgresql":
        pytest.skip("the full flow runs on PostgreSQL; SQLite has the smoke test")
