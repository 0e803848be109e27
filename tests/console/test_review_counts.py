"""What waits, counted where an admin looks, in a real headless Chromium: the review filters
offer every brand and campaign waiting (from the queue's counts, not the page's items) and
narrow the queue; the navigation says how many submissions and appeals wait, after each
decision; and on a 360 px phone nothing of the decision bar is cut off or hidden."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.console import (
    Desk,
    by_label,
    console_errors,
    heading,
    press,
    screenshot,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, BrandFactory, MissionFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.review import reject
from tests.support.submitting import SKUS, Claimed, submit

pytestmark = pytest.mark.browser


def nav_links(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#nav a")]


def queue_ids(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [
        a.get_attribute("href").split("#/review/")[1].split("?")[0]
        for a in browser.find_elements(By.CSS_SELECTOR, ".items a")
    ]


def options(browser: Any, label: str) -> list[str]:
    from selenium.webdriver.support.ui import Select

    return [o.text for o in Select(by_label(browser, label)).options]


def offered(browser: Any, label: str) -> list[str] | None:
    """The choices of the select `label`, or None while the page is being redrawn."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        return options(browser, label)
    except (LookupError, StaleElementReferenceException):
        return None


def another_brand_waiting(client: Any, db: Any, make: Any, auth_headers: Any) -> tuple[Any, str]:
    """A submission of a second brand that its campaign sends to a person, validated by the
    running Celery worker; (the brand, the submission's id)."""
    from tests.support.console import in_review
    from tests.support.processes import wait_until

    brand = make(BrandFactory, name="Zebra Foods")
    mission = make(MissionFactory, brand_id=brand.id, skus=SKUS, review_required=True)
    worker = make(UserFactory)
    headers = auth_headers(worker)
    claimed = client.post(f"/api/v1/missions/{mission.id}/claim", headers=headers)
    assert claimed.status_code == 201, claimed.json
    answer = submit(
        client,
        Claimed(claimed.json["assignment_id"], mission.id, worker, headers, brand.id, brand),
        [jpeg(shelf(seed=11)), jpeg(shelf(seed=61))],
    )
    assert answer.status_code == 202, answer.json
    submission_id = str(answer.json["submission_id"])
    wait_until(lambda: in_review(db, [submission_id]), 90, "the worker to validate it")
    return brand, submission_id


def brand_of(db: Any, submission_id: str) -> str:
    from backend.accounts.models import Brand
    from backend.submissions.models import Submission

    with db.transaction(write=False) as session:
        submission = session.get_one(Submission, submission_id)
        return session.get_one(Brand, submission.brand_id).name


def test_the_brand_filter_offers_every_brand_waiting_and_narrows_the_queue(
    desk: Desk, browser: Any, client: Any, db: Any, make: Any, auth_headers: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    zebra, theirs = another_brand_waiting(client, db, make, auth_headers)
    ours = brand_of(db, desk.plain[0])
    browser.set_window_size(1400, 1000)
    sign_in(browser, desk.origin, desk.admin.email, PASSWORD)
    wait(browser, lambda b: b.find_elements(By.ID, "item-heading"))
    assert options(browser, "Brand") == ["All", f"{ours} (3)", "Zebra Foods (1)"]
    assert len(options(browser, "Campaign")) == 1 + 4  # every campaign waiting, counted

    Select(by_label(browser, "Brand")).select_by_visible_text("Zebra Foods (1)")
    wait(browser, lambda b: queue_ids(b) == [theirs])
    assert f"brand_id={zebra.id}" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, ".counts").text == "1 waiting · 0 flagged"
    campaigns = options(browser, "Campaign")
    assert len(campaigns) == 2  # only Zebra's campaign
    assert campaigns[1].endswith(" (1)")

    # After a reload the page holds Zebra's item only; the filters still offer every brand.
    browser.refresh()
    wait(browser, lambda b: queue_ids(b) == [theirs])
    assert options(browser, "Brand") == ["All", f"{ours} (3)", "Zebra Foods (1)"]
    assert Select(by_label(browser, "Brand")).first_selected_option.text == "Zebra Foods (1)"
    Select(by_label(browser, "Brand")).select_by_visible_text(f"{ours} (3)")
    wait(browser, lambda b: len(queue_ids(b)) == 3)
    Select(by_label(browser, "Flag")).select_by_visible_text("location (2)")
    wait(browser, lambda b: sorted(queue_ids(b)) == sorted(desk.flagged))
    assert options(browser, "Brand") == ["All", f"{ours} (2)"]  # Zebra has none so flagged
    # A choice that lists nothing (here from the address) stays shown and selected, at 0.
    browser.get(f"{desk.origin}/#/review?brand_id={zebra.id}&flag=location")
    zero = ["All", f"{ours} (2)", "Zebra Foods (0)"]
    wait(browser, lambda b: offered(b, "Brand") == zero)
    assert queue_ids(browser) == []
    assert Select(by_label(browser, "Brand")).first_selected_option.text == "Zebra Foods (0)"
    assert serious_violations(browser) == []
    assert console_errors(browser) == []


def test_the_navigation_counts_what_waits_after_each_decision(
    desk: Desk, browser: Any, client: Any, db: Any, make: Any, auth_headers: Any
) -> None:
    from selenium.webdriver.common.by import By
    from sqlalchemy import select

    from backend.submissions.models import Submission

    browser.set_window_size(1400, 1000)
    sign_in(browser, desk.origin, desk.admin.email, PASSWORD)
    wait(browser, lambda b: b.find_elements(By.ID, "item-heading"))
    wait(browser, lambda b: nav_links(b)[:2] == ["Review queue (3)", "Appeals (0)"])
    press(browser, "a")
    wait(browser, lambda b: nav_links(b)[0] == "Review queue (2)")

    # Another admin rejects one and its worker appeals: the tab's next look counts it.
    other = make(UserFactory, admin=True, display_name="Bea Admin")
    target = desk.plain[0]
    reject(client, auth_headers(other), target)
    with db.transaction(write=False) as session:
        worker_id = session.scalar(select(Submission.worker_id).where(Submission.id == target))
        worker_headers = auth_headers(session.get_one(UserFactory._meta.model, worker_id))
    appealed = client.post(
        f"/api/v1/submissions/{target}/appeal",
        json={"message": "It is the right store."},
        headers=worker_headers,
    )
    assert appealed.status_code == 201, appealed.json
    browser.execute_script("document.dispatchEvent(new Event('visibilitychange'))")
    wait(browser, lambda b: nav_links(b)[:2] == ["Review queue (1)", "Appeals (1)"])

    # This admin grants it on the Appeals page, naming who rejected; the count follows.
    browser.find_element(By.CSS_SELECTOR, "#nav a[href='#/appeals']").click()
    card = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".cards li.card"))
    assert "Decided by Bea Admin at" in card.text
    assert serious_violations(browser) == []
    card.find_element(By.XPATH, ".//button[starts-with(normalize-space(.), 'Approve')]").click()
    wait(browser, lambda b: "No open appeal." in b.find_element(By.TAG_NAME, "main").text)
    wait(browser, lambda b: nav_links(b)[1] == "Appeals (0)")
    browser.find_element(By.LINK_TEXT, "Approved").click()
    card = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".cards li.card"))
    assert "Appeal approved by Ada Reviewer at" in card.text
    assert "Decided by Bea Admin at" in card.text
    assert not card.find_elements(By.TAG_NAME, "button")  # decided: nothing left to press
    assert serious_violations(browser) == []
    assert console_errors(browser) == []


# Everything a 360 px page shows stays inside the viewport's width.
CUT_OFF = """
const width = document.documentElement.clientWidth;
const shown = 'main :is(a, button, select, textarea, input, h1, h2), nav a';
return [...document.querySelectorAll(shown)]
  .filter(e => e.getClientRects().length)
  .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
  .filter(([, r]) => r.left < -1 || r.right > width + 1)
  .map(([html, r]) => `${html} ${Math.round(r.left)}..${Math.round(r.right)}`);
"""

# A control of the decision bar, scrolled to as the keyboard would: inside the viewport, on
# top at its centre (not under anything), and the bar no taller than a third of the screen.
REACHABLE = """
const [control, bar] = arguments;
control.focus();
const r = control.getBoundingClientRect();
const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
return {
  inside: r.left >= 0 && r.right <= document.documentElement.clientWidth
          && r.top >= 0 && r.bottom <= window.innerHeight,
  onTop: control === hit || control.contains(hit),
  barShare: bar.getBoundingClientRect().height / window.innerHeight,
};
"""


def test_at_360_px_every_admin_page_fits_and_the_decision_bar_is_whole(
    desk: Desk, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(360, 740)
    sign_in(browser, desk.origin, desk.admin.email, PASSWORD)
    wait(browser, lambda b: b.find_elements(By.ID, "item-heading"))
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".map path.fence"))
    bar = browser.find_element(By.CSS_SELECTOR, "form.decision")
    controls = [
        ("Approve", bar.find_element(By.CSS_SELECTOR, "button.primary")),
        ("Reject", bar.find_element(By.CSS_SELECTOR, "button.danger")),
        ("Reason", by_label(browser, "Reason")),
        ("Comment", by_label(browser, "Comment")),
    ]
    for name, control in controls:
        assert control.text.startswith(name) or control.tag_name in ("select", "textarea")
        seen = browser.execute_script(REACHABLE, control, bar)
        assert seen["inside"], (name, seen)
        assert seen["onTop"], (name, seen)
        assert seen["barShare"] <= 0.34, (name, seen)
    screenshot(browser, "review-decision-360", tmp_path)
    # Reading the evidence above the bar, each link and button is reachable too.
    for element in browser.find_elements(By.CSS_SELECTOR, ".item button, .item a, .queue a"):
        if element.is_displayed():
            seen = browser.execute_script(REACHABLE, element, bar)
            assert seen["onTop"], (element.get_attribute("outerHTML")[:80], seen)

    for page, title in (
        ("review", "Review queue"),
        ("review?tab=audits", "Review queue"),
        ("appeals", "Appeals"),
        ("appeals?status=approved", "Appeals"),
        ("payouts", "Payouts"),
        ("fairness", "Fairness report"),
        ("status", "Service status"),
    ):
        browser.get(f"{desk.origin}/#/{page}")
        wait(browser, lambda b, title=title: heading(b) == title)
        wait(browser, lambda b: "Loading" not in b.find_element(By.TAG_NAME, "main").text)
        if page == "review":  # the map drawn, its attribution links with it, before axe reads
            wait(
                browser,
                lambda b: b.find_elements(By.CSS_SELECTOR, ".leaflet-control-attribution a"),
            )
        assert browser.execute_script(CUT_OFF) == [], page
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, page
        assert serious_violations(browser) == [], page
    assert (
        console_errors(
            browser, allowed=("/admin/ledger-checks/latest - Failed to load", "status of 409")
        )
        == []
    )
