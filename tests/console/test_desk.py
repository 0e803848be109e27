"""The brands' campaign desk in a real headless Chromium, with a real Celery worker: a brand
imports 200 stores from a CSV (progress, then each bad line's error), builds a campaign, is told
its reward is under the pay floor and by how much, fixes it, publishes, and once a worker's
visit is approved sees the result on the map, in the table and in the CSV export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.campaigns import campaign_body, euros
from tests.support.console import (
    button,
    by_label,
    console_errors,
    link,
    run_module,
    screenshot,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.desk import BAD_LINES, VISITED, downloaded, save_downloads, stores_csv, visit
from tests.support.factories import PASSWORD, StoreFactory, UserFactory
from tests.support.processes import wait_until

pytestmark = pytest.mark.browser
LIST_CAPTION = "section[aria-labelledby=stores-list-heading] caption"
SHOTS = Path("/tmp")  # unless FAIRFIELD_SCREENSHOTS names a folder (docs/screenshots)
# The 422s the tests provoke on purpose (a reward under the floor, a reward lowered once
# published), and the favicon Chromium asks for on its own.
EXPECTED = ("favicon.ico", "the server responded with a status of 422")


def text(browser: Any, css: str) -> str:
    """The text of the first element matching `css` now ("" if none): read in the page, so a
    page drawn again meanwhile is no stale element."""
    return str(
        browser.execute_script("return document.querySelector(arguments[0])?.innerText ?? ''", css)
    )


def on_page(browser: Any, title: str, ready: str = "main h1") -> None:
    """Wait until the page headed `title` is shown, and its `ready` element."""
    wait(browser, lambda b: text(b, "main h1") == title)
    wait(
        browser, lambda b: b.execute_script("return !!document.querySelector(arguments[0])", ready)
    )


BUILDER = "#builder-name"


def click(browser: Any, element: Any) -> None:
    """Click `element` once scrolled to the middle (clear of the builder's sticky bar)."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def tap(browser: Any, name: str) -> None:
    """Click the button named `name`; found again if the page redrew it in between (a stale
    element is retried, never clicked)."""
    wait(browser, lambda b: button(b, name).click() or True)


def in_dialog(browser: Any, name: str) -> Any:
    """The button named `name` in the open dialog."""
    from selenium.webdriver.common.by import By

    buttons = browser.find_elements(By.CSS_SELECTOR, "dialog[open] button")
    return next(b for b in buttons if b.text.strip() == name)


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
    on_page(browser, "Stores")
    by_label(browser, "CSV file").send_keys(str(path))
    tap(browser, "Import stores")
    wait(
        browser, lambda b: b.find_element(By.CSS_SELECTOR, ".import-status progress").is_displayed()
    )
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
    map_region = wait(
        browser, lambda b: b.find_element(By.CSS_SELECTOR, "[role=region][aria-label=Map]")
    )
    wait(browser, lambda b: len(map_region.find_elements(By.CSS_SELECTOR, "path.store-pin")) == 200)
    assert "200 stores" in map_region.text
    assert text(browser, LIST_CAPTION) == "50 stores shown"
    tap(browser, "Show more stores")
    wait(browser, lambda b: text(b, LIST_CAPTION) == "100 stores shown")
    accessible(browser)
    return names


def build(browser: Any, names: list[str]) -> None:
    """A campaign of three stores chosen in the list, first with a reward under the floor."""
    from selenium.webdriver.common.by import By

    link(browser, "Campaigns").click()
    on_page(browser, "Campaigns")
    tap(browser, "New campaign")
    on_page(browser, "New campaign", BUILDER)
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
    tap(browser, "Publish")
    summary = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".error-summary"))
    assert browser.switch_to.active_element == summary
    assert "a reward of at least 7.00 EUR passes" in summary.text
    field_link = summary.find_element(By.TAG_NAME, "a")
    assert (
        field_link.text == "Reward per store (EUR): Must be at least €7.00 to meet the pay floor."
    )
    assert "/#/builder/" in browser.current_url  # saved as a draft before publishing
    accessible(browser)
    screenshot(browser, "desk-builder", SHOTS)
    field_link.click()
    reward = browser.switch_to.active_element
    assert reward.get_attribute("id") == "builder-reward"
    assert reward.get_attribute("aria-invalid") == "true"
    reward.clear()
    reward.send_keys("7.00")
    wait(browser, lambda b: pay.text == "€12.00/h incl. 15 min travel: meets the €12.00 floor.")
    tap(browser, "Publish")
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
    wait(browser, lambda b: text(b, ".status-legend") == "open: 3")
    accessible(browser)

    results = client.get(
        f"/api/v1/campaigns/{campaign_id}/results", headers=auth_headers(brand)
    ).json
    mission = next(i["mission_id"] for i in results["items"] if i["store"]["name"] == VISITED)
    worker = make(UserFactory, display_name="Wim Worker")
    submission = visit(client, mission_id=mission, worker=worker, headers=auth_headers(worker))
    worker_headers = auth_headers(worker)
    wait_until(
        lambda: (
            client.get(f"/api/v1/submissions/{submission}", headers=worker_headers).json["status"]
            == "approved"
        ),
        90,
        "the worker to approve the visit",
    )

    browser.refresh()
    legend = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".status-legend"))
    assert legend.text.splitlines() == ["open: 2", "completed: 1"]
    wait(
        browser,
        lambda b: b.find_elements(By.CSS_SELECTOR, ".map path.mission-pin.status-completed"),
    )
    row = next(
        r for r in browser.find_elements(By.CSS_SELECTOR, "table tbody tr") if VISITED in r.text
    )
    assert "completed" in row.text
    # A column per question and product, as the CSV has them.
    table = row.find_element(By.XPATH, "ancestor::table")
    headings = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    shown = [c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
    cells = dict(zip(headings, shown, strict=True))
    assert cells["Facings counted: Towels day"] == "12"
    assert cells["Out of stock: Towels day"] == "No"
    assert cells["Out of stock: Towels night"] == "Yes"
    assert cells["Shelf price: Towels night"] == ""
    thumb = row.find_element(By.CSS_SELECTOR, "img.result-thumb")
    assert thumb.get_attribute("alt") == f"Photo 1 of 2 at {VISITED}"
    wait(browser, lambda b: b.execute_script("return arguments[0].naturalWidth", thumb) > 0)
    assert "1 of 3 stores with an approved result" in text(browser, "dl.figures")
    accessible(browser)
    browser.set_window_size(1400, 1800)  # figures, map and table in one picture
    screenshot(browser, "desk-results", SHOTS)

    save_downloads(browser, tmp_path / "downloads")
    tap(browser, "Download CSV")
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


def test_a_brand_edits_a_draft_and_a_published_campaign_then_cancels_it(
    gunicorn: str, browser: Any, client: Any, make: Any, auth_headers: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    origin = gunicorn.removesuffix("/api/v1")
    brand = make(UserFactory, brand_user=True)
    stores = [
        make(StoreFactory, brand_id=brand.brand_id, name=f"Shop {n}", latitude=50.84 + n / 100)
        for n in range(3)
    ]
    headers = auth_headers(brand)
    browser.set_window_size(1400, 1000)
    sign_in(browser, origin, brand.email, PASSWORD)

    # A draft made in the builder for every store, then renamed.
    link(browser, "Campaigns").click()
    on_page(browser, "Campaigns")
    wait(browser, lambda b: text(b, "main").endswith("No campaign yet. Start with “New campaign”."))
    tap(browser, "New campaign")
    on_page(browser, "New campaign", BUILDER)
    by_label(browser, "Name").send_keys("Draft audit")
    by_label(browser, "Products").send_keys("A-1, Ultra")
    by_label(browser, "Reward").send_keys("9.50")
    wait(browser, lambda b: "meets" in text(b, "#pay-check"))
    accessible(browser)
    tap(browser, "Save draft")
    wait(browser, lambda b: text(b, "main .message").startswith("Draft saved at"))
    draft_id = browser.current_url.split("/#/builder/")[1]
    draft = client.get(f"/api/v1/campaigns/{draft_id}/results", headers=headers).json
    assert sorted(i["store"]["id"] for i in draft["items"]) == sorted(s.id for s in stores)
    name = by_label(browser, "Name")
    name.clear()
    name.send_keys("Shelf audit")
    # Stores chosen on the map: those in view, then one left out with a click on its dot.
    click(browser, browser.find_element(By.XPATH, "//label[starts-with(., 'Stores I choose')]"))
    chosen = "[data-field=store_ids] [role=status]"
    pins = wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, ".map path.store-pin"))
    assert len(pins) == 3
    click(browser, button(browser, "Choose the stores in view"))
    wait(browser, lambda b: text(b, chosen) == "3 of 3 stores chosen.")
    assert len(browser.find_elements(By.CSS_SELECTOR, ".map path.store-pin.chosen")) == 3
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", pins[0])
    ActionChains(browser).move_to_element(pins[0]).click().perform()  # a pointer on an SVG dot
    wait(browser, lambda b: text(b, chosen) == "2 of 3 stores chosen.")
    assert (
        len(
            [
                box
                for box in browser.find_elements(By.CSS_SELECTOR, ".store-list input")
                if box.is_selected()
            ]
        )
        == 2
    )
    tap(browser, "Save draft")
    wait(
        browser,
        lambda b: (
            client.get(f"/api/v1/campaigns/{draft_id}", headers=headers).json["name"]
            == "Shelf audit"
        ),
    )
    draft = client.get(f"/api/v1/campaigns/{draft_id}/results", headers=headers).json
    assert len(draft["items"]) == 2
    # A draft's page publishes it too.
    browser.get(f"{origin}/#/campaign/{draft_id}")
    on_page(browser, "Shelf audit", ".status-legend")
    wait(browser, lambda b: text(b, ".status-legend") == "draft: 2")
    tap(browser, "Publish")
    wait(browser, lambda b: text(b, ".campaign-status").startswith("Status: published."))
    wait(browser, lambda b: text(b, ".status-legend") == "open: 2")

    # Published: only a later end, a higher reward and more stores; a lower reward is refused.
    published = client.post(
        "/api/v1/campaigns",
        json=campaign_body([stores[0].id], name="Live audit", reward=euros(900)),
        headers=headers,
    ).json["id"]
    assert client.post(f"/api/v1/campaigns/{published}/publish", headers=headers).status_code == 200
    browser.get(f"{origin}/#/campaigns")
    wait(browser, lambda b: "Live audit" in text(b, "main table"))
    accessible(browser)
    link(browser, "Live audit").click()
    on_page(browser, "Live audit")
    tap(browser, "Edit campaign")
    on_page(browser, "Edit campaign", BUILDER)
    assert by_label(browser, "Name").get_attribute("disabled") == "true"
    assert by_label(browser, "Shop 0").get_attribute("disabled") == "true"  # kept once published
    reward = by_label(browser, "Reward")
    reward.clear()
    reward.send_keys("8.00")
    tap(browser, "Save changes")
    summary = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".error-summary"))
    assert (
        "Reward per store (EUR): A published campaign's reward can only be raised" in summary.text
    )
    reward.clear()
    reward.send_keys("10.00")
    click(browser, by_label(browser, "Shop 2"))
    tap(browser, "Save changes")
    on_page(browser, "Live audit")
    wait(browser, lambda b: "Reward €10.00" in text(b, ".campaign-status"))
    wait(browser, lambda b: text(b, ".status-legend") == "open: 2")

    # GeoJSON for a map tool; then cancel, after saying no once.
    save_downloads(browser, tmp_path / "downloads")
    tap(browser, "Download GeoJSON")
    features = json.loads(downloaded(tmp_path / "downloads", ".geojson").read_text())["features"]
    assert sorted(f["properties"]["store_name"] for f in features) == ["Shop 0", "Shop 2"]
    tap(browser, "Cancel campaign")
    dialog = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "Cancel “Live audit”?" in dialog.text
    in_dialog(browser, "Keep it running").click()
    assert (
        client.get(f"/api/v1/campaigns/{published}", headers=headers).json["status"] == "published"
    )
    tap(browser, "Cancel campaign")
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    in_dialog(browser, "Cancel campaign").click()
    wait(browser, lambda b: "Status: cancelled" in text(b, ".campaign-status"))
    wait(browser, lambda b: text(b, ".status-legend") == "cancelled: 2")
    assert not [
        b for b in browser.find_elements(By.TAG_NAME, "button") if b.text == "Edit campaign"
    ]
    accessible(browser)


def test_money_as_people_type_it_and_the_pay_check_in_words(gunicorn: str, browser: Any) -> None:
    origin = gunicorn.removesuffix("/api/v1")
    browser.get(f"{origin}/#/status")
    typed = run_module(
        browser,
        "/static/console/js/i18n.js",
        '["7", "7.5", "7,50", " 12.00 ", "7.005", "abc", "-3", ""].map(v => m.toMinor(v, "EUR"))',
    )
    assert typed == [700, 750, 750, 1200, None, None, None, None]
    assert run_module(browser, "/static/console/js/i18n.js", 'm.toMajor(1250, "EUR")') == "12.50"
    quote = {
        "effective_hourly_rate": {"amount_minor": 1120, "currency": "EUR"},
        "floor": {"amount_minor": 1200, "currency": "EUR"},
        "least_passing_reward": {"amount_minor": 700, "currency": "EUR"},
        "passes": False,
        "travel_minutes": 15,
    }
    pay = "/static/console/js/pages/builder-pay.js"
    under = run_module(browser, pay, f'm.payText({json.dumps(quote)}, 650, "EUR")')
    assert under == (
        "€11.20/h incl. 15 min travel: under the €12.00 floor by €0.80/h; "
        "€7.00 passes (€0.50 more)."
    )
