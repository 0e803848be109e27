"""The Payouts page reaches every request, a page at a time, in a real headless Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from backend.payouts.models import PayoutRequest
from tests.support.console import button, console_errors, heading, sign_in, wait
from tests.support.factories import PASSWORD, UserFactory
from tests.support.ledger import raw_transaction

pytestmark = pytest.mark.browser

PAGE = 200  # the page's page size, the API's largest


def test_more_requests_than_a_page_are_all_shown_on_asking(
    gunicorn: str, browser: Any, make: Any, db: Any
) -> None:
    from selenium.webdriver.common.by import By

    worker = make(UserFactory)
    now = datetime.now(UTC)
    rows = []
    for n in range(PAGE + 1):
        account = f"worker:{worker.id}"
        transaction = raw_transaction(db, "payout_request", [(account, 100), (account, -100)])
        rows.append(
            {
                "worker_id": worker.id,
                "amount_minor": 100 + n,
                "currency": "EUR",
                "iban": "BE68539007547034",
                "holder_name": f"Holder {n}",
                "transaction_id": transaction,
                "requested_at": now - timedelta(minutes=n),
            }
        )
    with db.transaction() as session:
        session.execute(insert(PayoutRequest), rows)
    origin = gunicorn.removesuffix("/api/v1")
    sign_in(browser, origin, make(UserFactory, admin=True).email, PASSWORD)
    browser.get(f"{origin}/#/payouts")
    wait(browser, lambda b: heading(b) == "Payouts")

    def shown(b: Any) -> int:
        return len(b.find_elements(By.CSS_SELECTOR, "#requests-heading ~ div table tbody tr"))

    wait(browser, lambda b: shown(b) == PAGE)
    assert "Holder 200" not in browser.find_element(By.TAG_NAME, "main").text  # the oldest
    button(browser, "Show more requests").click()
    wait(browser, lambda b: shown(b) == PAGE + 1)
    assert "Holder 200" in browser.find_element(By.TAG_NAME, "main").text
    assert not [
        b for b in browser.find_elements(By.TAG_NAME, "button") if b.text == "Show more requests"
    ]
    assert console_errors(browser) == []
