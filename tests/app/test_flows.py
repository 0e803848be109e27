"""The worker app's main flows on a phone: sign up, find missions near a set position, read
the task, claim, check in (told how far when outside the geofence); a rejection appealed; the
balance after an approval; every screen accessible and quiet in the console."""

from __future__ import annotations

import re
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.support.app import (
    heading,
    named,
    open_screen,
    origin_of,
    put_phone_at,
    screen_problems,
    sign_in,
    tap,
    towel_stores,
    wait_for_text,
)
from tests.support.console import button, by_label, link, screenshot, wait
from tests.support.factories import PASSWORD, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.processes import wait_until
from tests.support.review import reject
from tests.support.submitting import BRUSSELS, submit

pytestmark = pytest.mark.browser


def test_a_worker_signs_in_sees_each_screen_and_signs_out(
    gunicorn: str, phone: Any, make: Any
) -> None:
    origin = origin_of(gunicorn)
    worker = make(UserFactory, display_name="Wim Worker")
    for hash_, title in (("#/forgot", "Forgot your password"), ("#/signin", "Sign in")):
        phone.get("about:blank")
        assert open_screen(phone, origin, hash_) == title
        assert screen_problems(phone) == [], hash_
    sign_in(phone, origin, worker.email, PASSWORD)
    assert heading(phone) == "Hello, Wim Worker"
    assert "Starter" in wait_for_text(phone, "Balance")
    assert screen_problems(phone) == []
    screens = (("#/find", "Find missions"), ("#/money", "Money"), ("#/account", "Wim"))
    for scheme in ("light", "dark"):  # readable in sunlight and at night: contrast both ways
        phone.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        for hash_, title in screens:
            phone.get(f"{origin}/app/{hash_}")
            heading(phone, title)
            if hash_ == "#/find":
                named(phone, "section", "Map")
                named(phone, "ul", "Missions nearby")
            assert screen_problems(phone) == [], (scheme, hash_)
    tap(phone, button(phone, "Sign out"))
    assert heading(phone, "Sign in") == "Sign in"
    assert phone.execute_script("return localStorage.getItem('fairfield.token')") is None


def test_a_new_worker_finds_reads_claims_and_checks_in(
    full_flow: None, gunicorn: str, phone: Any, make: Any, tmp_path: Any
) -> None:
    origin = origin_of(gunicorn)
    towel_stores(make)
    open_screen(phone, origin, "#/signup")
    by_label(phone, "Your name").send_keys("Nora New")
    by_label(phone, "Email").send_keys("nora@example.org")
    by_label(phone, "Password").send_keys(PASSWORD)
    assert screen_problems(phone) == []
    tap(phone, button(phone, "Create account"))
    heading(phone, "Find missions")

    put_phone_at(phone, origin, BRUSSELS[0] + 0.003, BRUSSELS[1])  # 334 m north of the Lidl
    tap(phone, button(phone, "Use my location"))
    missions = named(phone, "ul", "Missions nearby")
    names = wait(phone, lambda _: [h.text for h in missions.find_elements(By.TAG_NAME, "h2")])
    assert names == ["Lidl Brussels Centre", "Delhaize Ixelles"]
    first = wait_for_text(phone, "treats workers", "ul[aria-label='Missions nearby'] > li")
    assert "€6.00" in first
    assert re.search(r"€[\d.]+/h with travel", first), first
    assert "334 m away" in first
    assert "15 min in store" in first
    assert "How Towels & Co treats workers: no decisions yet" in first
    named(phone, "section", "Map")
    assert screen_problems(phone) == []
    screenshot(phone, "app-find", tmp_path)

    tap(phone, link(phone, "Lidl Brussels Centre"))
    heading(phone, "Lidl Brussels Centre")
    task = wait_for_text(phone, "A claim holds")
    for said in (
        "Lidl Brussels Centre street 1",
        "TOW-1 (TOW-1)",
        "2 photos",
        "The whole towel shelf, front on.",
        "Count the towels at eye level.",
    ):
        assert said in task
    assert screen_problems(phone) == []
    screenshot(phone, "app-mission", tmp_path)

    tap(phone, button(phone, "Claim"))
    assert re.fullmatch(r"(\d+ h )?\d+ min left", wait_for_text(phone, "min left", "p.big"))
    assignment_id = phone.current_url.rsplit("/", 1)[1]
    assert screen_problems(phone) == []
    tap(phone, button(phone, "Check in"))
    far = wait_for_text(phone, "from the store", "p.message")
    assert re.fullmatch(
        r"You are 3\d\d m from the store: check in within 150 m of it "
        r"\(your position is accurate to 10 m\)\.",
        far,
    ), far
    screenshot(phone, "app-check-in", tmp_path)

    put_phone_at(phone, origin, BRUSSELS[0], BRUSSELS[1] + 0.0003)
    tap(phone, button(phone, "Check in"))
    assert wait_for_text(phone, "at the store", "p.message").startswith("You are at the store")
    start = link(phone, "Start the task")
    assert start.get_attribute("href").endswith(f"/app/#/task/{assignment_id}")
    assert screen_problems(phone) == []

    tap(phone, button(phone, "Release"))
    dialog = wait(phone, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "Give this mission back?" in dialog.text
    tap(phone, button(phone, "Release", within="dialog[open]"))
    heading(phone, "Find missions")
    nearby = "ul[aria-label='Missions nearby']"
    assert "Lidl Brussels Centre" in wait_for_text(phone, "Lidl", nearby)  # open again


def test_a_rejection_is_appealed_and_the_balance_shows_an_approval(
    full_flow: None,
    gunicorn: str,
    phone: Any,
    client: Any,
    make: Any,
    claim: Any,
    auth_headers: Any,
    start_worker: Any,
    db: Any,
) -> None:
    from sqlalchemy import select

    from backend.submissions.models import Submission

    origin = origin_of(gunicorn)
    start_worker()
    worker = make(UserFactory, display_name="Ana Appeal")
    approved = claim(worker=worker)
    doubted = claim(worker=worker, review_required=True)
    ids = {}
    for name, claimed, seed in (("approved", approved, 1), ("doubted", doubted, 2)):
        answer = submit(client, claimed, [jpeg(shelf(seed=seed)), jpeg(shelf(seed=seed + 50))])
        assert answer.status_code == 202, answer.json
        ids[name] = answer.json["submission_id"]

    def statuses() -> dict[str, str]:
        with db.transaction(write=False) as session:
            rows = session.execute(select(Submission.id, Submission.status)).all()
        return {name: dict(rows).get(sid, "") for name, sid in ids.items()}

    wait_until(
        lambda: statuses() == {"approved": "approved", "doubted": "in_review"},
        90,
        "the worker to approve one submission and send the other to review",
    )
    admin = make(UserFactory, admin=True)
    reject(client, auth_headers(admin), ids["doubted"], code="blurry_photo")

    sign_in(phone, origin, worker.email, PASSWORD)
    claims = named(phone, "ul", "Your claims")
    wait(phone, lambda _: "Rejected" in claims.text and "Approved" in claims.text)
    assert screen_problems(phone) == []
    phone.get(f"{origin}/app/#/submission/{ids['doubted']}")
    page = wait_for_text(phone, "Reason:")
    assert "Rejected" in page
    assert "Reason: A photo is too blurred to count the shelf" in page
    assert "Comment: PAD-2 not in the photo." in page
    assert "✓ passed:" in page
    assert screen_problems(phone) == []
    by_label(phone, "Message").send_keys("The shelf is sharp in the second photo.")
    tap(phone, button(phone, "Appeal"))
    assert "Your appeal is sent" in wait_for_text(phone, "Appealed")
    assert statuses()["doubted"] == "appealed"
    assert screen_problems(phone) == []

    phone.get(f"{origin}/app/#/money")
    heading(phone, "Money")
    money = wait_for_text(phone, "Mission approved")
    assert money.split("Balance\n", 1)[1].startswith("€6.00")
    assert screen_problems(phone) == []
