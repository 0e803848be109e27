"""The review workstation in a real headless Chromium, on submissions a real Celery worker
validated: the queue flagged first with its deadlines, one submission's evidence in words, its
map and photos, decisions by keyboard, leases, races and bulk approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.console import (
    Desk,
    back_tab,
    button,
    by_label,
    console_errors,
    focused,
    heading,
    link,
    press,
    screenshot,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, UserFactory
from tests.support.ledger import problems as ledger_problems
from tests.support.world import fund

pytestmark = pytest.mark.browser


def queue_ids(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        a.get_attribute("href").split("#/review/")[1].split("?")[0]
        for a in browser.find_elements(By.CSS_SELECTOR, ".items a")
    ]


def current(browser: Any) -> str | None:
    from selenium.webdriver.common.by import By

    links = browser.find_elements(By.CSS_SELECTOR, ".items a[aria-current=true]")
    return links[0].get_attribute("href").split("#/review/")[1].split("?")[0] if links else None


def open_queue(browser: Any, desk: Desk) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(1400, 1000)  # the workstation is desktop first
    sign_in(browser, desk.origin, desk.admin.email, PASSWORD)
    wait(browser, lambda b: b.find_elements(By.ID, "item-heading"))


def status_of(client: Any, headers: dict[str, str], submission_id: str) -> str:
    return str(client.get(f"/api/v1/submissions/{submission_id}", headers=headers).json["status"])


def test_sign_in_and_review_smoke(
    desk: Desk, browser: Any, client: Any, auth_headers: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_queue(browser, desk)
    assert browser.title == "Review queue · Fairfield console"
    ids = queue_ids(browser)
    assert ids[:2] == sorted(ids[:2], key=desk.flagged.index) or set(ids[:2]) == set(desk.flagged)
    assert ids[2:] == desk.plain  # flagged first
    counts = browser.find_element(By.CSS_SELECTOR, ".counts").text
    assert counts == "3 waiting · 2 flagged"
    items = browser.find_element(By.CSS_SELECTOR, ".items").text
    assert "47 h left to decide" in items  # the 48 h promise, counted down

    heading = browser.find_element(By.ID, "item-heading").text
    assert heading.endswith("47 h left to decide")
    checks = browser.find_element(By.CSS_SELECTOR, ".checks").text
    assert "taken 3 km from the store (geofence" in checks
    assert browser.find_element(By.CSS_SELECTOR, "[role=region][aria-label=Map]")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".map path.fence"))
    assert browser.find_elements(By.CSS_SELECTOR, ".map path.device-dot")
    photo = browser.find_element(By.CSS_SELECTOR, ".viewer img")
    assert photo.get_attribute("alt").startswith("Photo 1 of 2")
    wait(browser, lambda b: b.execute_script("return arguments[0].naturalWidth", photo) > 0)
    lease = browser.find_element(By.CSS_SELECTOR, ".lease-box").text
    wait(
        browser,
        lambda b: "You are reviewing this" in b.find_element(By.CSS_SELECTOR, ".lease-box").text,
    )
    assert lease is not None
    assert serious_violations(browser) == []
    screenshot(browser, "review", tmp_path)

    # Zoom and pan by keyboard, then the full-size picture on demand.
    viewer = browser.find_element(By.CSS_SELECTOR, ".viewer")
    viewer.send_keys("+++")
    zoomed = browser.execute_script("return arguments[0].style.transform", photo)
    assert "scale(1.95312)" in zoomed
    viewer.send_keys(Keys.ARROW_LEFT)
    assert browser.execute_script("return arguments[0].style.transform", photo) != zoomed
    viewer.send_keys("0")
    assert "scale(1)" in browser.execute_script("return arguments[0].style.transform", photo)
    assert "variant=review" in photo.get_attribute("src")
    button(browser, "Full size").click()
    assert "variant=full" in photo.get_attribute("src")
    wait(browser, lambda b: b.execute_script("return arguments[0].naturalWidth", photo) == 1600)

    first = current(browser)
    press(browser, "a")
    wait(browser, lambda b: current(b) not in (None, first))
    assert focused(browser).get_attribute("id") == "item-heading"  # focus is never lost
    assert status_of(client, auth_headers(desk.admin), first) == "approved"
    assert first not in queue_ids(browser)
    assert console_errors(browser) == []


def test_keyboard_only_review_and_a_rejection_with_a_reason(
    desk: Desk, browser: Any, backend_name: str, client: Any, auth_headers: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if backend_name != "postgresql":
        pytest.skip("the full keyboard flow runs on PostgreSQL; SQLite has the smoke test")
    open_queue(browser, desk)
    ids = queue_ids(browser)
    assert current(browser) == ids[0]
    press(browser, "j")
    wait(browser, lambda b: current(b) == ids[1])
    press(browser, "k")
    wait(browser, lambda b: current(b) == ids[0])
    press(browser, "?")
    dialog = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "next submission" in dialog.text
    press(browser, Keys.ESCAPE)
    wait(browser, lambda b: not b.find_elements(By.CSS_SELECTOR, "dialog[open]"))

    press(browser, "a")  # approve the flagged one in view
    wait(browser, lambda b: current(b) == ids[1])
    assert focused(browser).get_attribute("id") == "item-heading"

    press(browser, "r")  # no reason yet: the console asks for one and goes there
    wait(browser, lambda b: focused(b).get_attribute("name") == "reason")
    assert "Choose a reason" in browser.find_element(By.CSS_SELECTOR, ".decision .error").text
    press(browser, Keys.ARROW_DOWN)  # the first reason of the catalogue
    reason = by_label(browser, "Reason").get_attribute("value")
    assert reason
    press(browser, Keys.TAB)
    press(browser, "Shelf photos are from another store.")
    back_tab(browser, 2)  # past Reason, to the Reject button
    assert focused(browser).text.startswith("Reject")
    press(browser, Keys.ENTER)
    wait(browser, lambda b: current(b) == ids[2])

    headers = auth_headers(desk.admin)
    assert status_of(client, headers, ids[0]) == "approved"
    assert status_of(client, headers, ids[1]) == "rejected"
    rejected = client.get(f"/api/v1/submissions/{ids[1]}", headers=headers).json
    assert reason in str(rejected)
    assert console_errors(browser) == []


def test_another_admins_lease_and_a_lost_race_are_said(
    desk: Desk, browser: Any, client: Any, make: Any, auth_headers: Any
) -> None:
    from selenium.webdriver.common.by import By

    other = make(UserFactory, admin=True, display_name="Bea Admin")
    headers = auth_headers(other)
    target = desk.plain[0]
    assert client.post(f"/api/v1/submissions/{target}/lease", headers=headers).status_code == 200
    open_queue(browser, desk)
    browser.get(f"{desk.origin}/#/review/{target}")
    browser.refresh()
    wait(browser, lambda b: current(b) == target)
    wait(browser, lambda b: "Bea Admin" in b.find_element(By.CSS_SELECTOR, ".lease-box").text)

    # Bea decides it meanwhile; this admin's approval then says who won the race.
    assert client.delete(f"/api/v1/submissions/{target}/lease", headers=headers).status_code == 204
    answer = client.post(
        f"/api/v1/submissions/{target}/decision", json={"decision": "approve"}, headers=headers
    )
    assert answer.status_code == 200, answer.json
    button(browser, "Approve", within=".decision").click()
    alert = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".decision .error").text)
    assert "Bea Admin" in alert
    assert console_errors(browser, allowed=("status of 409",)) == []


def test_bulk_approve_of_the_filtered_selection_asks_first(
    desk: Desk, browser: Any, client: Any, auth_headers: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_queue(browser, desk)
    Select(by_label(browser, "Flag")).select_by_visible_text("location (2)")
    wait(browser, lambda b: sorted(queue_ids(b)) == sorted(desk.flagged))
    assert "flag=location" in browser.current_url  # the filter survives a reload
    button(browser, "Approve all 2 shown").click()
    dialog = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "Approve 2 submissions?" in dialog.text
    assert serious_violations(browser) == []
    button(browser, "Cancel").click()
    assert len(queue_ids(browser)) == 2
    button(browser, "Approve all 2 shown").click()
    button(browser, "Approve 2", within="dialog").click()
    done = "Approved 2; skipped 0."
    wait(browser, lambda b: done in b.find_element(By.CSS_SELECTOR, ".message").text)
    headers = auth_headers(desk.admin)
    assert {status_of(client, headers, s) for s in desk.flagged} == {"approved"}
    assert status_of(client, headers, desk.plain[0]) == "in_review"  # not in the selection
    assert console_errors(browser) == []


@pytest.fixture
def sampled(app_config: dict[str, Any], request: pytest.FixtureRequest) -> tuple[str, Any]:
    """Every machine approval drawn for the audit sample: two honest submissions a real worker
    approves, on the console under gunicorn; (origin, an admin)."""
    from tests.support.console import submit_for_review
    from tests.support.processes import wait_until

    app_config["AUDIT_SAMPLE_PERCENT"] = 100
    gunicorn = request.getfixturevalue("gunicorn")
    client, db, make = (request.getfixturevalue(n) for n in ("client", "db", "make"))
    claim = request.getfixturevalue("claim")
    request.getfixturevalue("start_worker")()
    ids = [submit_for_review(client, claim, far=False, seed=s, review=False) for s in (4, 5)]
    wait_until(lambda: approved(db, ids), 90, "the worker to approve them")
    return gunicorn.removesuffix("/api/v1"), make(UserFactory, admin=True)


def approved(db: Any, ids: list[str]) -> bool:
    from sqlalchemy import select

    from backend.submissions.models import Submission

    with db.transaction(write=False) as session:
        statuses = session.scalars(select(Submission.status).where(Submission.id.in_(ids))).all()
    return sorted(statuses) == ["approved"] * len(ids)


def test_the_audit_sample_tab_records_agreement(sampled: Any, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    origin, admin = sampled
    browser.set_window_size(1400, 1000)
    sign_in(browser, origin, admin.email, PASSWORD)
    browser.get(f"{origin}/#/review?tab=audits")
    cards = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".cards li.card"))
    assert len(cards) == 2
    assert cards[0].find_element(By.TAG_NAME, "img").get_attribute("alt").startswith("Photo")
    assert serious_violations(browser) == []
    button(browser, "Agree", within=".cards").click()
    wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, ".cards li.card")) == 1)
    Select(by_label(browser, "Reason")).select_by_index(1)
    button(browser, "Disagree", within=".cards").click()
    wait(
        browser,
        lambda b: "No machine approval is waiting" in b.find_element(By.TAG_NAME, "main").text,
    )
    figures = browser.find_element(By.CSS_SELECTOR, "#agreement-heading").find_element(
        By.XPATH, ".."
    )
    assert "Overall: 50% of 2 reviewed" in figures.text
    assert "By check" in figures.text
    assert "By campaign" in figures.text
    assert console_errors(browser) == []


def test_the_admin_story_from_a_flagged_item_to_an_appeal_granted_and_the_books_checked(
    desk: Desk,
    browser: Any,
    backend_name: str,
    client: Any,
    auth_headers: Any,
    make: Any,
    db: Any,
) -> None:
    """The issue's admin flow end to end: keyboard-only review of the flagged items (one
    approved, one rejected with a reason), the worker's appeal through the API, a second admin
    granting it in the console, then the ledger check, run from the console, passes."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if backend_name != "postgresql":
        pytest.skip("the full flow runs on PostgreSQL; SQLite has the smoke test")
    headers = auth_headers(desk.admin)
    every = [*desk.flagged, *desk.plain]
    fund(
        db,
        [client.get(f"/api/v1/submissions/{s}", headers=headers).json["mission_id"] for s in every],
    )
    open_queue(browser, desk)
    first, second = queue_ids(browser)[:2]
    assert {first, second} == set(desk.flagged)  # flagged first
    press(browser, "a")
    wait(browser, lambda b: current(b) == second)
    press(browser, "r")
    wait(browser, lambda b: focused(b).get_attribute("name") == "reason")
    press(browser, Keys.ARROW_DOWN)
    reason = by_label(browser, "Reason").get_attribute("value")
    press(browser, Keys.TAB)
    press(browser, "The shelf in the photos is not this store's.")
    back_tab(browser, 2)
    press(browser, Keys.ENTER)
    wait(browser, lambda b: current(b) == desk.plain[0])
    assert status_of(client, headers, first) == "approved"
    rejected = client.get(f"/api/v1/submissions/{second}", headers=headers).json
    assert (rejected["status"], rejected["decision"]["reasons"][0]) == ("rejected", reason)

    # The worker appeals through the API.
    worker = world_worker(db, second)
    message = "It is the store: the sign is in the second photo."
    answer = client.post(
        f"/api/v1/submissions/{second}/appeal",
        json={"message": message},
        headers=auth_headers(worker),
    )
    assert answer.status_code == 201, answer.json
    button(browser, "Sign out").click()
    wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")

    # A second admin grants it in the console, going there through the navigation.
    bea = make(UserFactory, admin=True, display_name="Bea Admin")
    sign_in(browser, desk.origin, bea.email, PASSWORD)
    link(browser, "Appeals").click()
    card = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".cards li.card"))
    assert message in card.text
    button(browser, "Approve", within=".cards").click()
    wait(browser, lambda b: "No open appeal." in b.find_element(By.TAG_NAME, "main").text)
    assert status_of(client, auth_headers(bea), second) == "approved"

    # The books: the check run from the console by the Celery worker passes, as it does here.
    link(browser, "Fairness").click()
    button(browser, "Run now").click()
    wait(browser, lambda b: "passed" in b.find_element(By.ID, "ledger-status").text, 90)
    assert ledger_problems(db) == []
    assert serious_violations(browser) == []
    assert console_errors(browser, allowed=("/admin/ledger-checks/latest - Failed to load",)) == []


def world_worker(db: Any, submission_id: str) -> Any:
    """The worker who sent a submission."""
    from sqlalchemy import select

    from backend.submissions.models import Submission

    with db.transaction(write=False) as session:
        worker_id = session.scalar(
            select(Submission.worker_id).where(Submission.id == submission_id)
        )
        return session.get_one(UserFactory._meta.model, worker_id)
