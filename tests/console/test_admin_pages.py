"""The admin pages beside the review queue, in a real headless Chromium: an appeal granted by a
second admin, payouts batched, downloaded and marked paid, and the fairness report drawn."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.console import (
    Desk,
    button,
    console_errors,
    heading,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, UserFactory
from tests.support.payouts import BATCHES, PAYOUTS, credit, payout_body
from tests.support.review import reject

pytestmark = pytest.mark.browser


def visit(browser: Any, origin: str, page: str, title: str) -> None:
    browser.get(f"{origin}/#/{page}")
    wait(browser, lambda b: heading(b) == title)


def test_a_second_admin_grants_an_appeal_in_the_console(
    desk: Desk, browser: Any, client: Any, make: Any, auth_headers: Any, db: Any
) -> None:
    from selenium.webdriver.common.by import By
    from sqlalchemy import select

    from backend.submissions.models import Submission

    target = desk.flagged[0]
    reject(client, auth_headers(desk.admin), target, code="missing_products")
    with db.transaction(write=False) as session:
        worker_id = session.scalar(select(Submission.worker_id).where(Submission.id == target))
        worker = session.get_one(UserFactory._meta.model, worker_id)
        worker_headers = auth_headers(worker)
    message = "PAD-2 is on the bottom shelf, left."
    answer = client.post(
        f"/api/v1/submissions/{target}/appeal", json={"message": message}, headers=worker_headers
    )
    assert answer.status_code == 201, answer.json

    # The admin who rejected sees it is theirs; a second admin decides it.
    sign_in(browser, desk.origin, desk.admin.email, PASSWORD)
    visit(browser, desk.origin, "appeals", "Appeals")
    card = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".cards li.card"))
    assert message in card.text
    assert "missing_products" in card.text
    assert "Decided by you" in card.text
    button(browser, "Sign out").click()
    wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")

    second = make(UserFactory, admin=True, display_name="Bea Admin")
    sign_in(browser, desk.origin, second.email, PASSWORD)
    visit(browser, desk.origin, "appeals", "Appeals")
    card = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".cards li.card"))
    assert "Decided by Ada Reviewer at" in card.text  # by name, not "another admin"
    assert serious_violations(browser) == []
    button(browser, "Approve", within=".cards").click()
    wait(browser, lambda b: "No open appeal." in b.find_element(By.TAG_NAME, "main").text)
    status = client.get(f"/api/v1/submissions/{target}", headers=auth_headers(second))
    assert status.json["status"] == "approved"
    assert console_errors(browser) == []


def test_payouts_batched_downloaded_and_marked_paid(
    gunicorn: str,
    browser: Any,
    client: Any,
    make: Any,
    auth_headers: Any,
    db: Any,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By

    origin = gunicorn.removesuffix("/api/v1")
    worker = make(UserFactory, display_name="Zoë Müller")
    credit(db, worker.id, 1500, now=datetime.now(UTC))
    answer = client.post(PAYOUTS, json=payout_body(), headers=auth_headers(worker))
    assert answer.status_code == 201, answer.json
    admin = make(UserFactory, admin=True)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )

    sign_in(browser, origin, admin.email, PASSWORD)
    visit(browser, origin, "payouts", "Payouts")
    table = wait(
        browser, lambda b: b.find_element(By.CSS_SELECTOR, "#requests-heading + div + div table")
    )
    assert "Zoë Müller" in table.text
    assert "€15.00" in table.text
    assert serious_violations(browser) == []

    button(browser, "Download CSV").click()
    csv = wait(browser, lambda _: [p for p in downloads.glob("*.csv") if p.stat().st_size])
    assert "15.00" in csv[0].read_text()

    browser.find_element(By.XPATH, "//label[text()='Late only']").click()  # none is late yet
    wait(browser, lambda b: "No payout request." in b.find_element(By.TAG_NAME, "main").text)

    button(browser, "New batch").click()
    wait(browser, lambda b: b.find_elements(By.XPATH, "//button[text()='Download SEPA file']"))
    button(browser, "Download SEPA file").click()
    sepa = wait(browser, lambda _: [p for p in downloads.glob("*.xml") if p.stat().st_size])
    assert "CstmrCdtTrfInitn" in sepa[0].read_text()

    button(browser, "Mark paid").click()
    dialog = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "Only once the bank has executed the transfer" in dialog.text
    button(browser, "Mark paid", within="dialog").click()
    wait(browser, lambda b: not b.find_elements(By.XPATH, "//button[text()='Mark paid']"))
    batches = client.get(BATCHES, headers=auth_headers(admin)).json["items"]
    assert [b["status"] for b in batches] == ["paid"]
    assert console_errors(browser) == []


def test_the_fairness_report_is_drawn_with_its_figures(
    gunicorn: str, browser: Any, make: Any
) -> None:
    from selenium.webdriver.common.by import By

    origin = gunicorn.removesuffix("/api/v1")
    admin = make(UserFactory, admin=True)
    sign_in(browser, origin, admin.email, PASSWORD)
    visit(browser, origin, "fairness", "Fairness report")
    chart = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "figure.chart img"))
    wait(browser, lambda b: b.execute_script("return arguments[0].naturalWidth", chart) > 0)
    assert chart.get_attribute("alt").startswith("Chart of the fairness report")
    figures = browser.find_element(By.CSS_SELECTOR, "#report-heading ~ table").text
    assert "Hourly floor" in figures
    assert "€12.00" in figures
    assert serious_violations(browser) == []


def test_the_ledger_check_runs_on_demand_and_passes(
    gunicorn: str, browser: Any, make: Any, start_worker: Any
) -> None:
    from selenium.webdriver.common.by import By

    origin = gunicorn.removesuffix("/api/v1")
    start_worker()
    admin = make(UserFactory, admin=True)
    sign_in(browser, origin, admin.email, PASSWORD)
    visit(browser, origin, "fairness", "Fairness report")
    ledger_box = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "#ledger-heading ~ div"))
    wait(browser, lambda _: "No ledger check has run yet." in ledger_box.text)
    button(browser, "Run now").click()
    status = wait(browser, lambda b: b.find_element(By.ID, "ledger-status"))
    wait(browser, lambda b: "passed" in b.find_element(By.ID, "ledger-status").text, 90)
    assert "(manual)" in browser.find_element(By.ID, "ledger-status").text
    assert status is not None
    assert serious_violations(browser) == []
    # The one 404 is the API saying the check never ran, which the page says in words.
    assert console_errors(browser, allowed=("/admin/ledger-checks/latest - Failed to load",)) == []
