"""Signing out with work still queued on the phone asks first: cancelling keeps the work and
the session; confirming signs out (with the network down, too), and the work waits on the
phone until the worker signs in again, then goes up by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from sqlalchemy import select

from backend.submissions.models import Submission
from tests.support.app import heading, screen_problems, sign_in, tap
from tests.support.console import button, wait
from tests.support.factories import PASSWORD, UserFactory
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
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


def token(phone: Any) -> str | None:
    found = phone.execute_script("return localStorage.getItem('fairfield.token')")
    return None if found is None else str(found)


def test_signing_out_with_work_queued_asks_first(
    client, gunicorn, db, make, auth_headers, claim, phone, tmp_path: Path
):
    worker = make(UserFactory)
    headers = auth_headers(worker)
    assignment_id = claimed_here(client, claim, worker, headers)

    with netproxy(gunicorn.removesuffix("/api/v1")) as net:
        open_task(phone, net.url, headers, assignment_id)
        fill_task(phone, saved(tmp_path, [camera_photo(71)]))
        net.cut()
        tap(phone, button(phone, "Submit"))
        wait(phone, lambda d: shown(d, "will resume"), 60)
        assert queued_count(phone) == 1

        tap(phone, phone.find_element(By.CSS_SELECTOR, "nav a[href='#/account']"))
        heading(phone, "Account")
        tap(phone, button(phone, "Sign out"))
        dialog = wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
        assert "Work is still waiting to upload" in dialog.text
        assert "1 submission has not reached the server yet" in dialog.text
        assert screen_problems(phone, allowed=CUT) == []
        tap(phone, button(phone, "Cancel", within="dialog[open]"))
        wait(phone, lambda d: not d.find_elements(By.CSS_SELECTOR, "dialog[open]"))
        assert heading(phone) == "Account"  # still here, still signed in, the work kept
        assert token(phone) is not None
        assert queued_count(phone) == 1

        tap(phone, button(phone, "Sign out"))
        wait(phone, lambda d: d.find_element(By.CSS_SELECTOR, "dialog[open]"))
        tap(phone, button(phone, "Sign out anyway", within="dialog[open]"))
        heading(phone, "Sign in")  # signed out on the phone though the server is unreachable
        assert token(phone) is None
        assert queued_count(phone) == 1
        assert rows(db, select(Submission.id)) == []

        # Back on the network and signed in again: the work goes up by itself.
        net.restore()
        sign_in(phone, net.url, worker.email, PASSWORD)
        phone.get(f"{net.url}/app/#/uploads")
        wait(phone, lambda d: shown(d, "Sent"), 120)
    assert len(rows(db, select(Submission.id))) == 1
    assert screen_problems(phone, allowed=CUT) == []
