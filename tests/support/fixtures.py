"""Fixtures shared across test folders, registered as a plugin by the root conftest.

Helpers live in plain support modules; this plugin only holds fixtures that several folders
request by name, so no test ever imports a conftest to reach one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium
from tests.support.factories import BrandFactory, MissionFactory, UserFactory
from tests.support.processes import Worker, spawn_worker
from tests.support.submitting import BRUSSELS, SKUS, Claimed


@pytest.fixture
def claim(client, make, auth_headers) -> Callable[..., Claimed]:
    """claim(worker=None, at=BRUSSELS): a fresh mission at `at`, claimed by the worker."""
    brand = make(BrandFactory)

    def do(
        worker: Any = None, at: tuple[float, float] = BRUSSELS, review_required: bool = False
    ) -> Claimed:
        worker = worker or make(UserFactory)
        headers = auth_headers(worker)
        mission_id = make(
            MissionFactory, brand_id=brand.id, at=at, skus=SKUS, review_required=review_required
        ).id
        response = client.post(f"/api/v1/missions/{mission_id}/claim", headers=headers)
        assert response.status_code == 201, response.json
        return Claimed(response.json["assignment_id"], mission_id, worker, headers, brand.id, brand)

    return do


@pytest.fixture
def start_worker(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start `celery worker -B` (beat embedded, so the sweeper runs) on the test's settings."""
    started: list[Worker] = []

    def start(**overrides: Any) -> Worker:
        n = len(started)
        # Each embedded beat its own schedule and lock in Redis, as each had its own file:
        # a killed worker's lock must not hold off the next one's beat.
        own_beat = {"BEAT_KEY_PREFIX": f"fairfield:beat:{uuid.uuid4().hex}:"}
        worker = spawn_worker(
            app_config | own_beat | overrides,
            tmp_path / f"worker-{n}.log",
            name=f"test{n}",
            beat_schedule=tmp_path / f"beat-{n}",
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A desktop headless Chromium; `browser.get_log("browser")` holds the page's console."""
    with chromium(tmp_path / "chromium") as driver:
        yield driver
