"""The brands' campaign desk in a real headless Chromium, with a real Celery worker: a brand
imports 200 stores from a CSV (progress, then each bad line's error), builds a campaign, is told
its reward is under the pay floor and by how much, fixes it, publishes, and once a worker's
visit is approved sees the result on the map, in the table and in the CSV export."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.console import (
    button,
    by_label,
    console_errors,
    heading,
    link,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.desk import BAD_LINES, VISITED, downloaded, save_downloads, stores_csv, visit
from tests.support.factories import PASSWORD, UserFactory
from tests.support.processes import wait_until

pytestmark = pytest.mark.browser
LIST_CAPTION = "section[aria-labelledby=stores-list-heading] caption"
SHOTS = Path(os.environ.get("FAIRFIELD_SCREENSHOTS", "/tmp"))
# What the tests provoke on purpose, and the favicon Chromium asks for on its own.
EXPECTED = ("favicon.ico", "/publish - Failed to load resource: the server responded with a status of 422")


def text(browser: Any, css: str) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.CSS_SELECTOR, css).text)


def click(browser: Any, element: Any) -> None:
    """Click `element` once scrolled to the middle (clear of the builder's sticky bar)."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def accessible(browser: Any) -> None:
    """No serious or critical axe-core violation, and nothing unexpected in the console."""
    assert console_errors(browser, EXPECTED) == []
    assert serious_violations(browser) == []


def import_stores(browser: Any, tmp_path: Path) -> list[str]:
    """Import the CSV on the Stores page; the good stores' names."""
    from selenium.webdriver.common.by import By

    data, names = stores_csv(200)
    path = tmp_path / "stores.csv"
    path.write_bytes(data)
    link(browser, "Stores").click()
    assert heading(browser) == "Stores"
    by_label(browser, "CSV file").send_keys(str(path))
    button(browser, "Import stores").click()
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".import-status progress").is_displayed())
    wait(browser, lambda b: "Import finished" in text(b, ".import-status [role=status]"), 90)
    assert text(browser, ".import-status [role=status]") == (
        "Import finished: 200 stores created, 0 updated, 3 lines with errors."
    )
    progress = browser.find_element(By.CSS_SELECTOR, ".import-status progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == "203"
    rows = browser.find_elements(By.CSS_SELECTOR, ".import-status tbody tr")
    cells = [[td.text for td in row.find_elements(By.CSS_SELECTOR, "th, td")] for row in rows]
    assert [(int(line), field) for line, field, _ in cells] == list(BAD_LINES.items())
    assert all(problem for _, _, problem in cells)  # each says what is wrong, in words
    map_region = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "[role=region][aria-label=Map]"))
    wait(browser, lambda b: len(map_region.find_elements(By.CSS_SELECTOR, "path.store-pin")) == 200)
    assert "200 stores" in map_region.text
    assert text(browser, LIST_CAPTION) == "50 stores shown"
    button(browser, "Show more stores").click()
    wait(browser, lambda b: text(b, LIST_CAPTION) == "100 stores shown")
    accessible(browser)
    return names


def build(browser: Any, names: list[str]) -> None:
    """A campaign of three stores chosen in the list, first with a reward under the floor."""
    from selenium.webdriver.common.by import By

    link(browser, "Campaigns").click()
    button(browser, "New campaign").click()
    assert heading(browser) == "New campaign"
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".store-list input"))
    by_label(browser, "Name").send_keys("Towels in Brussels")
    click(browser, browser.find_element(By.XPATH, "//label[starts-with(., 'Stores I choose')]"))
    for name in (VISITED, names[1], names[2]):
        click(browser, by_label(browser, name))
    assert text(browser, "[data-field=store_ids] [role=status]") == "3 of 200 stores chosen."
    by_label(browser, "Products").send_keys("PAD-1, Towels day\nPAD-2, Towels night")
    minutes = by_label(browser, "Estimate")
    minutes.clear()
    minutes.send_keys("20")
    by_label(browser, "Reward").send_keys("4")
    pay = browser.find_element(By.ID, "pay-check")
    wait(browser, lambda b: "under" in pay.text)
    # 4.00 over 20 min in store and 15 of travel: 6.85 an hour, 5.15 short of 12.00.
    assert pay.text == (
        "€6.85/h incl. 15 min travel: under the €12.00 floor by €5.15/h; €7.00 passes (€3.00 more)."
    )
    assert pay.get_attribute("aria-live") == "polite"
    button(browser, "Publish").click()
    summary = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".error-summary"))
    assert browser.switch_to.active_element == summary
    assert "a reward of at least 7.00 EUR passes" in summary.text
    field_link = summary.find_element(By.TAG_NAME, "a")
    assert field_link.text == "Reward per store (EUR): Must be at least €7.00 to meet the pay floor."
    assert "/#/builder/" in browser.current_url  # saved as a draft before publishing
    accessible(browser)
    browser.save_screenshot(str(SHOTS / "desk-builder.png"))
    field_link.click()
    reward = browser.switch_to.active_element
    assert reward.get_attribute("id") == "builder-reward"
    assert reward.get_attribute("aria-invalid") == "true"
    reward.clear()
    reward.send_keys("7.00")
    wait(browser, lambda b: pay.text == "€12.00/h incl. 15 min travel: meets the €12.00 floor.")
    button(browser, "Publish").click()
    wait(browser, lambda b: "/#/campaign/" in b.current_url)


def test_a_brand_imports_builds_publishes_and_sees_an_approved_result(
    gunicorn: str,
    browser: Any,
    client: Any,
    make: Any,
    auth_headers: Any,
    start_worker: Any,
    backend_name: str,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By

    if backend_name != "postgresql":
        pytest.skip("the full desk flow runs on PostgreSQL")
    start_worker()
    origin = gunicorn.removesuffix("/api/v1")
    brand = make(UserFactory, brand_user=True, display_name="Bo Brand")
    browser.set_window_size(1400, 1000)  # the desk is desktop first
    sign_in(browser, origin, brand.email, PASSWORD)
    names = import_stores(browser, tmp_path)
    build(browser, names)

    campaign_id = browser.current_url.split("/#/campaign/")[1]
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".status-legend"))
    assert text(browser, ".status-legend") == "open: 3"
    accessible(browser)

    results = client.get(
        f"/api/v1/campaigns/{campaign_id}/results", headers=auth_headers(brand)
    ).json
    mission = next(i["mission_id"] for i in results["items"] if i["store"]["name"] == VISITED)
    worker = make(UserFactory, display_name="Wim Worker")
    submission = visit(client, mission_id=mission, worker=worker, headers=auth_headers(worker))
    worker_headers = auth_headers(worker)
    wait_until(
        lambda: client.get(f"/api/v1/submissions/{submission}", headers=worker_headers).json[
            "status"
        ]
        == "approved",
        90,
        "the worker to approve the visit",
    )

    browser.refresh()
    legend = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".status-legend"))
    assert legend.text.splitlines() == ["open: 2", "completed: 1"]
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".map path.mission-pin.status-completed"))
    row = next(
        r for r in browser.find_elements(By.CSS_SELECTOR, "table tbody tr") if VISITED in r.text
    )
    assert "completed" in row.text
    assert "PAD-1: 12; PAD-2: out of stock" in row.text
    thumb = row.find_element(By.CSS_SELECTOR, "img.result-thumb")
    assert thumb.get_attribute("alt") == f"Photo 1 of 2 at {VISITED}"
    wait(browser, lambda b: b.execute_script("return arguments[0].naturalWidth", thumb) > 0)
    assert "1 of 3 stores with an approved result" in text(browser, "dl.figures")
    accessible(browser)
    browser.save_screenshot(str(SHOTS / "desk-results.png"))

    save_downloads(browser, tmp_path / "downloads")
    button(browser, "Download CSV").click()
    exported = downloaded(tmp_path / "downloads", ".csv")
    rows = list(csv.DictReader(io.StringIO(exported.read_text())))
    visited = {r["sku"]: r for r in rows if r["store_name"] == VISITED}
    assert visited["PAD-1"]["count"] == "12"
    assert visited["PAD-2"]["out_of_stock"] == "true"
    assert visited["PAD-1"]["mission_status"] == "completed"
    assert len(visited["PAD-1"]["photo_urls"].split()) == 2
    assert {r["mission_status"] for r in rows if r["store_name"] != VISITED} == {"open"}
    assert "access_token" not in exported.read_text()
    assert console_errors(browser, EXPECTED) == []
