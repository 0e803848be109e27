"""The ledger check's result as the Fairness page says it, in a real headless Chromium: a
failed run lists each problem once, under the check that found it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.console import button, console_errors, heading, sign_in, wait
from tests.support.factories import PASSWORD, UserFactory
from tests.support.ledger import problems, raw_transaction

pytestmark = pytest.mark.browser


def test_a_failed_ledger_check_says_each_problem_once_under_its_check(
    gunicorn: str, browser: Any, make: Any, db: Any, start_worker: Any
) -> None:
    from selenium.webdriver.common.by import By

    # A credit no funding covers: the campaign's account is overdrawn.
    raw_transaction(db, "submission_credit", [("campaign:c-1", -600), ("worker:w-1", 600)])
    expected = problems(db)
    assert expected
    origin = gunicorn.removesuffix("/api/v1")
    start_worker()
    admin = make(UserFactory, admin=True)
    sign_in(browser, origin, admin.email, PASSWORD)
    browser.get(f"{origin}/#/fairness")
    wait(browser, lambda b: heading(b) == "Fairness report")
    button(browser, "Run now").click()
    wait(browser, lambda b: "failed" in b.find_element(By.ID, "ledger-status").text, 90)
    section = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=ledger-heading]")
    said = section.text
    overdrawn = [p for p in expected if "overdrawn" in p]
    assert overdrawn
    for problem in overdrawn:
        assert said.count(problem) == 1, said
    groups = [li.text for li in section.find_elements(By.CSS_SELECTOR, "ul > li > ul")]
    assert groups  # grouped under the check that found them
    allowed = ("/admin/ledger-checks/latest - Failed to load",)
    assert console_errors(browser, allowed=allowed) == []
