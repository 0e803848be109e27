"""A brand's integrations in the console, in a real headless Chromium on PostgreSQL: a manager
makes an API key that the API then honours until it is revoked, adds a webhook that a real
Celery worker delivers to a real receiver on the loopback, reads its delivery log and has a
message delivered again (a disabled subscription's long log comes a page at a time and takes no
redelivery); a viewer gets neither form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

from tests.support.console import (
    button,
    by_label,
    console_errors,
    heading,
    in_review,
    nav_links,
    screenshot,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, BrandFactory, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.processes import wait_until
from tests.support.receiver import always, receiver
from tests.support.submitting import submit
from tests.support.world import fund

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return app_config | {
        "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,  # the receiver is on the loopback
        "WEBHOOK_RETRY_DELAYS": [1, 1],
        "OUTBOX_SWEEP_SECONDS": 1,
    }


def member(make: Any, brand: Any, role: str, name: str) -> Any:
    return make(UserFactory, role="brand", brand=brand, org_role=role, display_name=name)


def visit(browser: Any, origin: str, page: str, title: str) -> None:
    browser.get(f"{origin}/#/{page}")
    wait(browser, lambda b: heading(b) == title)


def main_text(browser: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(browser.find_element(By.TAG_NAME, "main").text)


def region(browser: Any, name: str) -> Any:
    """The section named by its heading `name` (a landmark region)."""
    from selenium.webdriver.common.by import By

    for section in browser.find_elements(By.CSS_SELECTOR, "section[aria-labelledby]"):
        title = browser.find_element(By.ID, section.get_attribute("aria-labelledby"))
        if title.text == name:
            return section
    return None


def named(browser: Any, name: str) -> Any:
    """The one visible button whose accessible name is exactly `name`, or None."""
    from selenium.webdriver.common.by import By

    found = [
        b
        for b in browser.find_elements(By.TAG_NAME, "button")
        if b.is_displayed() and b.accessible_name == name
    ]
    return found[0] if len(found) == 1 else None


def check(browser: Any, value: str) -> None:
    """Tick the checkbox labelled `value` (a scope or an event name)."""
    from selenium.webdriver.common.by import By

    for label in browser.find_elements(By.CSS_SELECTOR, "fieldset label"):
        if label.text == value:
            label.click()
            return
    raise LookupError(value)


def error_links(browser: Any) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(browser.find_elements(By.CSS_SELECTOR, ".error-summary a"))


def allow_clipboard(browser: Any, origin: str) -> None:
    """Let the page at `origin` write and read the clipboard, as a person's browser may."""
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": origin, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )


def clipboard(browser: Any) -> str:
    """What the clipboard holds."""
    return str(
        browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "navigator.clipboard.readText().then(done, (e) => done('error: ' + e));"
        )
    )


def disable_after_failures(db: Any, subscription_id: str, messages: int) -> None:
    """Give a subscription the history that disables one: `messages` messages whose three
    attempts each found the receiver down, an hour apart, then mark it disabled."""
    from datetime import UTC, datetime, timedelta

    from backend.webhooks.models import WebhookDelivery, WebhookMessage, WebhookSubscription

    start = datetime.now(UTC) - timedelta(days=2)
    with db.transaction() as session:
        for n in range(messages):
            message_id = f"msg_failed{n:03d}"
            session.add(
                WebhookMessage(
                    id=message_id,
                    subscription_id=subscription_id,
                    event_type="mission.reopened",
                    payload={"mission_id": f"m-{n}"},
                    status="failed",
                    attempts=3,
                )
            )
            session.flush()
            for attempt in (1, 2, 3):
                at = start + timedelta(hours=3 * n + attempt)
                session.add(
                    WebhookDelivery(
                        message_id=message_id,
                        subscription_id=subscription_id,
                        attempt=attempt,
                        status_code=None,
                        duration_ms=5000,
                        error="timeout",
                        created_at=at,
                    )
                )
        session.get_one(WebhookSubscription, subscription_id).disabled_at = datetime.now(UTC)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_a_manager_makes_a_key_the_api_honours_until_revoked_and_a_viewer_gets_no_form(
    gunicorn: str, browser: Any, make: Any, client: Any, auth_headers: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    origin = gunicorn.removesuffix("/api/v1")
    brand = make(BrandFactory)
    manager = member(make, brand, "manager", "Mia Manager")
    viewer = member(make, brand, "viewer", "Vic Viewer")
    sign_in(browser, origin, manager.email, PASSWORD)
    assert nav_links(browser) == [
        "Campaigns",
        "Stores",
        "Team",
        "API keys",
        "Webhooks",
        "Service status",
    ]
    visit(browser, origin, "api-keys", "API keys")
    assert browser.title == "API keys · Fairfield console"
    wait(browser, lambda b: "No key yet." in main_text(b))
    assert serious_violations(browser) == []

    for label in ("Name", "Expires"):  # the names outside checks find them by
        assert by_label(browser, label).accessible_name == label

    # Nothing filled in: the error summary links to each field in error.
    button(browser, "Create key").click()
    links = wait(browser, error_links)
    assert [a.text for a in links] == ["Name: Fill this in.", "Scopes: Choose at least one."]
    links[0].click()
    name = browser.switch_to.active_element
    assert name.get_attribute("id") == "key-name"
    assert name.get_attribute("aria-invalid") == "true"
    assert serious_violations(browser) == []

    name.send_keys("ERP export")
    check(browser, "campaigns:read")
    check(browser, "results:read")
    by_label(browser, "Expires").send_keys("12312030")  # a date input, month first in English
    button(browser, "Create key").click()
    shown = wait(browser, lambda b: region(b, "New key"))
    key = shown.find_element(By.TAG_NAME, "input").get_attribute("value")
    assert key.startswith("ffk_")
    assert "it will not be shown again" in shown.text
    assert error_links(browser) == []
    allow_clipboard(browser, origin)
    button(browser, "Copy", within="section").click()
    wait(browser, lambda b: "Copied." in shown.text)
    assert clipboard(browser) == key
    row = wait(browser, lambda b: b.find_element(By.XPATH, "//tr[th='ERP export']"))
    assert key.split("_")[0] + "_" + key.split("_")[1] in row.text  # its prefix
    assert "campaigns:read, results:read" in row.text
    cells = row.find_elements(By.TAG_NAME, "td")
    assert cells[2].text == "Never"  # last used
    assert cells[3].text.startswith("Dec 31, 2030")  # the end of the day chosen
    made = client.get("/api/v1/api-keys", headers=auth_headers(manager)).json["items"]
    assert [k["name"] for k in made] == ["ERP export"]
    assert made[0]["expires_at"].startswith("2030-12-31T23:59:59")
    assert serious_violations(browser) == []
    screenshot(browser, "console-api-keys", tmp_path)

    # The key shown reads campaigns through the API; the list then says when it was used.
    assert client.get("/api/v1/campaigns", headers=bearer(key)).status_code == 200
    browser.refresh()
    row = wait(browser, lambda b: b.find_element(By.XPATH, "//tr[th='ERP export']"))
    cells = row.find_elements(By.TAG_NAME, "td")
    assert cells[2].text != "Never"  # last used
    assert region(browser, "New key") is None  # shown once: gone after a reload

    wait(browser, lambda b: named(b, "Revoke ERP export")).click()
    dialog = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    assert "ERP export" in dialog.text
    button(browser, "Revoke key", within="dialog").click()
    wait(browser, lambda b: "No key yet." in main_text(b))
    assert client.get("/api/v1/campaigns", headers=bearer(key)).status_code == 401
    assert console_errors(browser) == []

    # A viewer has neither link nor form.
    button(browser, "Sign out").click()
    wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")
    sign_in(browser, origin, viewer.email, PASSWORD)
    assert nav_links(browser) == ["Campaigns", "Stores", "Team", "Service status"]
    for page in ("api-keys", "webhooks"):
        visit(browser, origin, page, "This page is not for your account.")
        assert browser.find_elements(By.TAG_NAME, "form") == []
    assert console_errors(browser) == []


def test_a_manager_adds_a_webhook_reads_its_log_and_has_it_delivered_again(
    gunicorn: str,
    browser: Any,
    make: Any,
    client: Any,
    db: Any,
    auth_headers: Any,
    claim: Any,
    start_worker: Any,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By

    origin = gunicorn.removesuffix("/api/v1")
    claimed = claim(review_required=True)
    fund(db, [claimed.mission_id])
    manager = member(make, claimed.brand, "manager", "Mia Manager")
    admin = auth_headers(make(UserFactory, admin=True))
    # One subscription that failed too often: disabled, so nothing is sent to it.
    gone = client.post(
        "/api/v1/webhooks",
        json={"url": "https://erp.example/hooks", "events": ["mission.reopened"]},
        headers=auth_headers(manager),
    )
    assert gone.status_code == 201, gone.json
    disable_after_failures(db, gone.json["id"], messages=10)
    start_worker()
    sign_in(browser, origin, manager.email, PASSWORD)
    visit(browser, origin, "webhooks", "Webhooks")
    row = wait(browser, lambda b: b.find_element(By.XPATH, "//tr[th='https://erp.example/hooks']"))
    assert "Disabled" in row.text
    assert "Active" not in row.text
    assert serious_violations(browser) == []

    # Its log, newest first a page at a time; it takes no redelivery while disabled.
    row.find_element(By.LINK_TEXT, "Deliveries").click()
    wait(browser, lambda b: heading(b) == "Deliveries to https://erp.example/hooks")
    wait(browser, lambda b: "25 attempts, newest first" in main_text(b))
    first_rows = browser.find_elements(By.CSS_SELECTOR, "main tbody tr")
    assert first_rows[0].find_elements(By.TAG_NAME, "td")[1].text == "3"  # the last attempt
    assert "No answer" in first_rows[0].text
    assert "timeout" in first_rows[0].text
    assert serious_violations(browser) == []
    button(browser, "Load more").click()
    wait(browser, lambda b: "30 attempts, newest first" in main_text(b))
    buttons = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "main button")]
    assert "Load more" not in buttons
    assert buttons.count("Redeliver") == 10  # one per message, on its latest attempt
    button(browser, "Redeliver").click()
    wait(browser, lambda b: "disabled" in b.find_element(By.CSS_SELECTOR, "main p.error").text)
    browser.find_element(By.LINK_TEXT, "← Back").click()
    wait(browser, lambda b: heading(b) == "Webhooks")

    # A metadata address stays refused even with private networks allowed: said at the URL.
    url = browser.find_element(By.ID, "hook-url")
    assert url.accessible_name == "URL"
    url.send_keys("http://169.254.169.254/latest/meta-data")
    check(browser, "submission.approved")
    button(browser, "Add webhook").click()
    links = wait(browser, error_links)
    (link,) = links
    assert link.text.startswith("URL: ")
    link.click()
    assert browser.switch_to.active_element.get_attribute("id") == "hook-url"
    assert url.get_attribute("aria-invalid") == "true"
    assert serious_violations(browser) == []

    with receiver(always(204)) as hooks:
        target = f"{hooks.url}/hooks"
        url.clear()
        url.send_keys(target)
        button(browser, "Add webhook").click()
        shown = wait(browser, lambda b: region(b, "Signing secret"))
        secret = shown.find_element(By.TAG_NAME, "input").get_attribute("value")
        assert secret.startswith("whsec_")
        assert "it will not be shown again" in shown.text
        row = wait(browser, lambda b: b.find_element(By.XPATH, f"//tr[th='{target}']"))
        assert "submission.approved" in row.text
        assert "Active" in row.text
        screenshot(browser, "console-webhooks", tmp_path)

        # An approval is delivered, signed with the secret shown.
        sent = submit(client, claimed, [jpeg(shelf(seed=41))])
        assert sent.status_code == 202, sent.json
        submission_id = str(sent.json["submission_id"])
        wait_until(lambda: in_review(db, [submission_id]), 90, "the worker to validate it")
        decided = client.post(
            f"/api/v1/submissions/{submission_id}/decision",
            json={"decision": "approve"},
            headers=admin,
        )
        assert decided.status_code == 200, decided.json
        wait_until(lambda: len(hooks.accepted()) == 1, 60, "the approval delivered")
        (first,) = hooks.accepted()
        assert Webhook(secret).verify(first.body, first.headers)["type"] == "submission.approved"

        # The delivery log shows the attempt; "Redeliver" sends the same message again.
        row = browser.find_element(By.XPATH, f"//tr[th='{target}']")
        row.find_element(By.LINK_TEXT, "Deliveries").click()
        wait(browser, lambda b: heading(b) == f"Deliveries to {target}")
        assert browser.title == "Webhook deliveries · Fairfield console"

        def refreshed(text: str) -> Any:
            def shows(b: Any) -> bool:
                button(b, "Refresh").click()  # the log is busy until it is drawn again
                wait(b, lambda b: not b.find_elements(By.CSS_SELECTOR, "main [aria-busy]"))
                return text in main_text(b)

            return shows

        wait(browser, refreshed("204 accepted"))
        rows = browser.find_elements(By.CSS_SELECTOR, "main tbody tr")
        assert len(rows) == 1
        assert "submission.approved" in rows[0].text
        assert serious_violations(browser) == []
        button(browser, "Redeliver").click()
        wait(browser, lambda b: "Redelivery queued" in main_text(b))
        wait_until(lambda: len(hooks.accepted()) == 2, 60, "the message delivered again")
        again = hooks.accepted()[1]
        assert again.headers["webhook-id"] == first.headers["webhook-id"]
        assert json.loads(again.body) == json.loads(first.body)
        wait(browser, refreshed("2 attempts"))
        assert len(browser.find_elements(By.CSS_SELECTOR, "main tbody tr")) == 2
        screenshot(browser, "console-webhook-deliveries", tmp_path)

    # Back on the list, the subscription is deleted after a confirmation.
    browser.find_element(By.LINK_TEXT, "← Back").click()
    wait(browser, lambda b: heading(b) == "Webhooks")
    wait(browser, lambda b: named(b, f"Delete {target}")).click()
    wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
    button(browser, "Delete webhook", within="dialog").click()
    wait(browser, lambda b: not b.find_elements(By.XPATH, f"//tr[th='{target}']"))
    left = client.get("/api/v1/webhooks", headers=auth_headers(manager)).json["items"]
    assert [w["url"] for w in left] == ["https://erp.example/hooks"]
    # The refused URL (422) and the redelivery to a disabled subscription (409), on purpose.
    allowed = ("/api/v1/webhooks - Failed to load", "/redeliver - Failed to load")
    assert console_errors(browser, allowed=allowed) == []
