"""Recurring campaigns in the console, in a real headless Chromium: the builder's "Repeat
every (days)" (a bad value shown in the error summary, linked to the field), and the campaign
page's "Round" select filtering the results and its table "Out of stock by round"."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.campaigns import decide, euros, evidence
from tests.support.console import (
    button,
    by_label,
    console_errors,
    link,
    screenshot,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, StoreFactory, UserFactory
from workers.campaigns import open_due_rounds

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp")  # unless FAIRFIELD_SCREENSHOTS names a folder (docs/screenshots)
# The 422 the test provokes on purpose, and the favicon Chromium asks for on its own.
EXPECTED = ("favicon.ico", "the server responded with a status of 422")


def text(browser: Any, css: str) -> str:
    return str(
        browser.execute_script("return document.querySelector(arguments[0])?.innerText ?? ''", css)
    )


def tap(browser: Any, name: str) -> None:
    wait(browser, lambda b: button(b, name).click() or True)


def accessible(browser: Any) -> None:
    assert console_errors(browser, EXPECTED) == []
    assert serious_violations(browser) == []


def test_a_brand_repeats_a_campaign_weekly_and_reads_it_round_by_round(
    gunicorn: str,
    browser: Any,
    client: Any,
    db: Any,
    make: Any,
    auth_headers: Any,
    backend_name: str,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    if backend_name != "postgresql":
        pytest.skip("browser tests run on PostgreSQL")
    origin = gunicorn.removesuffix("/api/v1")
    brand = make(UserFactory, brand_user=True)
    stores = [
        make(StoreFactory, brand_id=brand.brand_id, name=f"Shop {n}", latitude=50.84 + n / 100)
        for n in range(2)
    ]
    headers = auth_headers(brand)
    browser.set_window_size(1400, 1000)
    sign_in(browser, origin, brand.email, PASSWORD)

    link(browser, "Campaigns").click()
    tap(browser, "New campaign")
    wait(browser, lambda b: b.find_elements(By.ID, "builder-schedule"))
    by_label(browser, "Name").send_keys("Weekly audit")
    by_label(browser, "Products").send_keys("A-1, Ultra\nB-2, Night")
    by_label(browser, "Reward").send_keys("9.50")
    repeat = by_label(browser, "Repeat every (days)")
    repeat.send_keys("0")
    tap(browser, "Save draft")
    summary = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".error-summary"))
    field_link = summary.find_element(By.TAG_NAME, "a")
    assert field_link.text.startswith("Repeat every (days): ")
    accessible(browser)
    field_link.click()
    assert browser.switch_to.active_element.get_attribute("id") == "builder-schedule"
    assert repeat.get_attribute("aria-invalid") == "true"
    repeat.clear()
    repeat.send_keys("7")
    tap(browser, "Publish")
    wait(browser, lambda b: "/#/campaign/" in b.current_url)
    campaign_id = browser.current_url.split("/#/campaign/")[1]
    campaign = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).json
    assert campaign["schedule"] == {"every_days": 7}
    assert campaign["status"] == "published"

    # Each round is paid from the organisation's balance: the owner tops it up here.
    balance = "#rounds-balance"
    wait(browser, lambda b: text(b, balance).startswith("Organisation balance: €0.00."))
    top_up = by_label(browser, "Top up (EUR)")
    top_up.send_keys("fifty")
    tap(browser, "Top up balance")
    wait(
        browser,
        lambda b: text(b, "#rounds-top-up-error") == "Enter an amount in euros, such as 50.00.",
    )
    assert top_up.get_attribute("aria-invalid") == "true"
    top_up.clear()
    top_up.send_keys("50.00")
    tap(browser, "Top up balance")
    wait(browser, lambda b: text(b, balance).startswith("Organisation balance: €50.00."))
    assert top_up.get_attribute("aria-invalid") is None
    shown = client.get("/api/v1/organisation/balance", headers=headers).json
    assert shown["balance"] == euros(5000)

    # Round 1: the first store found A-1 out of stock; then a week passes (injected).
    items = client.get(f"/api/v1/campaigns/{campaign_id}/results", headers=headers).json["items"]
    first = next(i["mission_id"] for i in items if i["store"]["id"] == stores[0].id)
    answers = [
        {"sku": "A-1", "count": 0, "out_of_stock": True},
        {"sku": "B-2", "count": 5, "out_of_stock": False},
    ]
    submission_id, _ = evidence(
        db,
        mission_id=first,
        worker_id=make(UserFactory).id,
        brand_id=brand.brand_id,
        answers=answers,
        photos=0,  # no photo files behind it: the table would link thumbnails that 404
    )
    decide(db, submission_id, "approved")
    week = datetime.fromisoformat(campaign["published_at"]) + timedelta(days=7)
    assert open_due_rounds(now=week.isoformat()) == 1

    browser.refresh()
    select = wait(browser, lambda b: b.find_element(By.ID, "rounds-round"))
    assert by_label(browser, "Round") == select
    assert [o.text for o in Select(select).options] == ["All rounds", "Round 1", "Round 2"]
    wait(
        browser,
        lambda b: "Out of stock by round" in text(b, "section[aria-labelledby=rounds-heading]"),
    )
    table = browser.find_element(
        By.XPATH, "//table[caption[normalize-space()='Out of stock by round']]"
    )
    rows = [
        [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "th, td")]
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert rows == [
        ["Shop 0", "A-1", "No approved result"],
        ["Shop 1", "No approved result", "No approved result"],
    ]
    caption = "section[aria-labelledby=results-table-heading] caption"
    assert text(browser, caption).startswith("4 stores")  # both rounds' missions
    accessible(browser)
    browser.execute_script("document.getElementById('rounds-heading').scrollIntoView()")
    screenshot(browser, "rounds-campaign", SHOTS)
    Select(select).select_by_visible_text("Round 2")
    wait(browser, lambda b: b.current_url.endswith("?round=2"))
    wait(browser, lambda b: text(b, caption).startswith("2 stores"))
    assert (
        Select(
            wait(browser, lambda b: b.find_element(By.ID, "rounds-round"))
        ).first_selected_option.text
        == "Round 2"
    )
    accessible(browser)
