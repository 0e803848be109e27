"""A new version of the app replaces the old without losing queued uploads: with work queued
on the phone (the API unreachable), the server starts serving a changed shell; the new service
worker takes over, the page reloads under it, the work is still queued, and it goes up once
the network returns, one submission, decided once."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend import STATIC_DIR, create_app, webapp
from backend.submissions.models import Decision, Photo, Submission
from tests.support.app import in_process, screen_problems
from tests.support.console import button, wait
from tests.support.factories import UserFactory
from tests.support.netproxy import netproxy
from tests.support.phone import (
    CUT,
    camera_photo,
    claimed_here,
    fill_task,
    open_task,
    queued_count,
    rows,
    saved,
    shown,
    tap,
)
from tests.support.processes import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


def cache_names(phone: Any) -> list[str]:
    """The service worker's caches, one per version of the shell."""
    return list(
        phone.execute_async_script(
            "const done = arguments[arguments.length - 1]; caches.keys().then(done);"
        )
    )


def test_a_new_version_takes_over_and_the_queued_work_still_goes_up(
    app_config: dict[str, Any],
    client: Any,
    db: Any,
    make: Any,
    auth_headers: Any,
    claim: Any,
    phone: Any,
    start_worker: Any,
    tmp_path: Path,
) -> None:
    start_worker()
    static = tmp_path / "static"
    shutil.copytree(STATIC_DIR, static)
    served = create_app(app_config, static_dir=static)
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)
    old, _ = webapp.shell(static)

    with in_process(served) as origin, netproxy(origin) as net:
        open_task(phone, net.url, headers, assignment_id)
        assert cache_names(phone) == [f"fairfield-app-{old}"]
        fill_task(phone, saved(tmp_path, [camera_photo(81)]))
        net.refuse(b" /api/")  # the API unreachable; the app's own files still come
        tap(phone, button(phone, "Submit"))
        wait(phone, lambda d: shown(d, "will resume"), 60)
        assert queued_count(phone) == 1

        # A deploy: one shell file changes, the process starts afresh (the digest is new).
        with (static / "app" / "css" / "app.css").open("a") as css:
            css.write("\n/* the next version */\n")
        webapp.shell.cache_clear()
        new, _ = webapp.shell(static)
        assert new != old
        phone.execute_script("window.oldPage = true")
        phone.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.serviceWorker.getRegistration('/app/').then(r => r.update()).then(done);"
        )
        # The new worker takes over (controllerchange) and the page reloads under it.
        wait(phone, lambda d: d.execute_script("return window.oldPage === undefined"), 60)
        wait(phone, lambda d: cache_names(d) == [f"fairfield-app-{new}"], 60)
        assert queued_count(phone) == 1  # the queued work survived the new version
        assert rows(db, select(Submission.id)) == []

        net.restore()
        phone.get(f"{net.url}/app/#/uploads")
        wait(phone, lambda d: shown(d, "Sent"), 120)
        assert queued_count(phone) == 0
    assert len(rows(db, select(Photo.id))) == 1

    def decided() -> bool:
        return rows(db, select(Submission.status))[0].status not in (
            "uploading",
            "received",
            "validating",
        )

    wait_until(decided, 90, "the worker to decide the submission")
    assert len(rows(db, select(Submission.id))) == 1
    assert len(rows(db, select(Decision.id))) == 1  # decided once
    assert screen_problems(phone, allowed=CUT) == []
