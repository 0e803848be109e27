"""A brand's team in the console, in a real headless Chromium on PostgreSQL with a real Celery
worker mailing through a real SMTP server (aiosmtpd): the owner invites a manager, the mailed
link opens /invite and the manager joins and lands in the console, signed in; the owner
changes a role and removes a member; the audit log page lists those acts. A brand member's
password reset link opens the reset page, which leads back to the console's sign-in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.organisations.helpers import API, invite, join
from tests.support.console import (
    button,
    console_errors,
    heading,
    link,
    screenshot,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, UserFactory
from tests.support.mail import LINK_PREFIX, link_in, parts, smtp_server
from tests.support.processes import wait_until

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
NEW_PASSWORD = "a long enough passphrase"
# Failed requests the test provokes on purpose: the last owner's 409, a used invitation's 404.
PROVOKED = ("409 (CONFLICT)", "404 (NOT FOUND)")


def test_the_invitation_page_is_guarded_and_keeps_no_token(client: Any) -> None:
    with client.get("/invite?token=abc") as page:
        assert page.status_code == 200
        html = page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cache-Control"] == "no-cache"
    assert '<script type="module" src="/static/console/js/invite.js"></script>' in html
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # nothing inline


def mails(inbox: Any, address: str, path: str) -> list[Any]:
    """The mails `address` received with a link to `path`, oldest first."""
    link = f"{LINK_PREFIX}{path}?"
    return [m for (_s, to, m) in inbox.received if to == [address] and link in parts(m)[0]]


def mail_to(inbox: Any, address: str, path: str) -> str:
    """The path and query of the link to `path` in the newest mail `address` received."""
    found = mails(inbox, address, path)
    assert found, f"no mail to {address} linking to {path}"
    # The link is FAIRFIELD_PUBLIC_URL's (the test's default); the browser opens it here.
    return link_in(found[-1], path).removeprefix(LINK_PREFIX)


def received(inbox: Any, address: str, path: str) -> bool:
    return bool(mails(inbox, address, path))


def row_of(browser: Any, email: str) -> Any:
    """The members' table row whose first cell begins with `email`, or None."""
    from selenium.webdriver.common.by import By

    rows = browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")
    found = [r for r in rows if r.find_element(By.TAG_NAME, "th").text.startswith(email)]
    return found[0] if found else None


def said(browser: Any, words: str) -> bool:
    from selenium.webdriver.common.by import By

    return any(words in p.text for p in browser.find_elements(By.CSS_SELECTOR, "main p"))


def exports(db: Any, owner: Any, count: int) -> None:
    """`count` audit lines of results exported by the owner, after everything else."""
    from backend.organisations.audit import record

    with db.transaction() as session:
        for _ in range(count):
            record(
                db_session=session,
                brand_id=owner.brand_id,
                actor_id=owner.id,
                action="results.exported",
                target_type="campaign",
                target_id="gone",
                detail={"format": "csv"},
            )


def on_a_dark_phone(browser: Any, origin: str, page: str, title: str, folder: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
    )
    browser.set_window_size(360, 740)
    visit(browser, origin, page, title)
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "main table tbody tr"))
    assert serious_violations(browser) == [], page
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, page
    screenshot(browser, f"{page}-dark-360", folder)


def visit(browser: Any, origin: str, page: str, title: str) -> None:
    browser.get(f"{origin}/#/{page}")
    wait(browser, lambda b: heading(b) == title)


def nav_names(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#nav a")]


@ON_POSTGRESQL
@pytest.mark.browser
def test_an_owner_runs_the_team_from_the_console(
    gunicorn: str,
    browser: Any,
    app: Any,
    db: Any,
    client: Any,
    make: Any,
    auth_headers: Any,
    start_worker: Any,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    origin = gunicorn.removesuffix("/api/v1")
    owner = make(UserFactory, brand_user=True, display_name="Olga Owner")
    brand = owner.brand.name
    owner_h = auth_headers(owner)
    join(app, db, client, owner_h, "vic@example.org", "viewer")  # a member already there

    with smtp_server() as inbox:
        start_worker(SMTP_URL=inbox.url)
        sign_in(browser, origin, owner.email, PASSWORD)
        assert {"Team", "Audit log"} <= set(nav_names(browser))
        link(browser, "Team").click()
        wait(browser, lambda b: heading(b) == f"Your team at {brand}")

        # An invitation without an address: the summary links to the field.
        button(browser, "Send invitation").click()
        summary = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".error-summary"))
        assert "There is a problem" in summary.text
        summary.find_element(
            By.LINK_TEXT, "Email: Enter the email address of the person to invite."
        ).click()
        email = browser.switch_to.active_element
        assert email.get_attribute("aria-invalid") == "true"
        email.send_keys("mia@example.org")
        Select(browser.find_element(By.CSS_SELECTOR, "#team-invite select")).select_by_visible_text(
            "Manager"
        )
        button(browser, "Send invitation").click()
        wait(browser, lambda b: said(b, "Invitation sent to mia@example.org as a manager."))
        assert not browser.find_elements(By.CSS_SELECTOR, ".error-summary")
        assert serious_violations(browser) == []
        button(browser, "Sign out").click()
        wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")

        # The mailed link: the manager joins and lands in the console, signed in.
        wait_until(lambda: received(inbox, "mia@example.org", "/invite"), 60, "the invitation")
        invite_path = mail_to(inbox, "mia@example.org", "/invite")
        browser.get(origin + invite_path)
        wait(browser, lambda b: heading(b) == f"Join {brand} on Fairfield")
        assert "token" not in browser.current_url  # dropped from the address bar
        screenshot(browser, "invite", tmp_path)
        assert (
            "as a manager with the address mia@example.org"
            in browser.find_element(By.TAG_NAME, "main").text
        )
        assert serious_violations(browser) == []
        button(browser, f"Join {brand}").click()  # nothing typed: the summary names both fields
        summary = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".error-summary"))
        assert "Your name: Enter your name." in summary.text
        assert "Password: Choose a password of at least 10 characters." in summary.text
        browser.find_element(By.CSS_SELECTOR, "input[name=display_name]").send_keys("Mia Manager")
        browser.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(NEW_PASSWORD)
        button(browser, f"Join {brand}").click()
        wait(browser, lambda b: b.find_elements(By.ID, "sign-out"))
        assert browser.current_url.startswith(f"{origin}/#/")
        assert "Signed in as Mia Manager" in browser.find_element(By.ID, "account").text
        names = nav_names(browser)
        assert "Team" in names
        assert "Audit log" not in names  # owners only
        link(browser, "Team").click()
        wait(browser, lambda b: heading(b) == f"Your team at {brand}")
        wait(browser, lambda b: row_of(b, "mia@example.org"))
        assert said(
            browser, "Only owners can invite, change roles or remove members. You are a manager."
        )
        assert not browser.find_elements(By.CSS_SELECTOR, "main form, main select, main button")
        assert "Manager" in row_of(browser, "mia@example.org").text
        assert serious_violations(browser) == []
        button(browser, "Sign out").click()
        wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")

        # The link works once.
        browser.get(origin + invite_path)
        wait(browser, lambda b: heading(b) == "This invitation is no longer valid")
        assert link(browser, "Sign in to the console").get_attribute("href") == f"{origin}/#/signin"

        # An address that got an account meanwhile: said, with the way to sign in.
        assert invite(client, owner_h, "ann@example.org", "viewer").status_code == 201
        wait_until(lambda: received(inbox, "ann@example.org", "/invite"), 60, "the invitation")
        make(UserFactory, email="ann@example.org")
        browser.get(origin + mail_to(inbox, "ann@example.org", "/invite"))
        wait(browser, lambda b: heading(b) == f"Join {brand} on Fairfield")
        browser.find_element(By.CSS_SELECTOR, "input[name=display_name]").send_keys("Ann")
        browser.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys(NEW_PASSWORD)
        button(browser, f"Join {brand}").click()
        summary = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, ".error-summary"))
        assert "There is already an account with this address." in summary.text
        assert summary.find_element(By.LINK_TEXT, "Sign in to the console")
        assert serious_violations(browser) == []

        # The owner changes a role, cannot leave the team ownerless, and removes a member.
        sign_in(browser, origin, owner.email, PASSWORD)
        visit(browser, origin, "team", f"Your team at {brand}")
        vic = wait(browser, lambda b: row_of(b, "vic@example.org"))
        Select(vic.find_element(By.TAG_NAME, "select")).select_by_visible_text("Manager")
        vic.find_element(By.XPATH, ".//button[normalize-space()='Change role']").click()
        wait(browser, lambda b: said(b, "vic@example.org is now a manager."))
        mine = row_of(browser, owner.email)
        Select(mine.find_element(By.TAG_NAME, "select")).select_by_visible_text("Viewer")
        mine.find_element(By.XPATH, ".//button[normalize-space()='Change role']").click()
        wait(browser, lambda b: said(b, "The team needs at least one owner"))

        remove = browser.find_element(
            By.CSS_SELECTOR, "button[aria-label='Remove mia@example.org']"
        )
        assert remove.text == "Remove"
        remove.click()
        dialog = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "dialog[open]"))
        assert "Remove mia@example.org from the team?" in dialog.text
        button(browser, "Remove", within="dialog[open]").click()
        wait(browser, lambda b: said(b, "mia@example.org is no longer in the team."))
        wait(browser, lambda b: row_of(b, "mia@example.org") is None)
        assert row_of(browser, "vic@example.org") is not None
        screenshot(browser, "team", tmp_path)
        assert serious_violations(browser) == []

        # The audit log lists those acts, in words, behind a page of 50 later exports; the
        # filter keeps one action.
        exports(db, owner, 50)
        link(browser, "Audit log").click()
        wait(browser, lambda b: heading(b) == "Audit log")
        wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "main tbody tr")) == 50)
        assert "Removed a member" not in browser.find_element(By.CSS_SELECTOR, "main table").text
        button(browser, "Load more").click()
        wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "main tbody tr")) > 50)
        assert not [
            b
            for b in browser.find_elements(By.CSS_SELECTOR, "main button")
            if b.text == "Load more"
        ]
        table = browser.find_element(By.CSS_SELECTOR, "main table")
        lines = [r.text for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
        assert "Exported results" in lines[0]
        assert "Results of a campaign as CSV" in lines[0]
        assert any("Invited a member" in r and "mia@example.org as manager" in r for r in lines), (
            lines
        )
        joined = [r for r in lines if "Joined the team" in r]
        assert len(joined) == 2, lines  # vic, then mia, who is named though removed since
        assert "mia@example.org (no longer in the team)" in joined[0]
        assert "mia@example.org as manager" in joined[0]
        assert any(
            "Changed the role of a member" in r and "vic@example.org: viewer → manager" in r
            for r in lines
        ), lines
        assert any("Removed a member" in r and "mia@example.org (manager)" in r for r in lines), (
            lines
        )
        assert any("Olga Owner" in r for r in lines)
        Select(browser.find_element(By.CSS_SELECTOR, "main select")).select_by_visible_text(
            "Removed a member"
        )
        wait(browser, lambda b: len(b.find_elements(By.CSS_SELECTOR, "main tbody tr")) == 1)
        assert serious_violations(browser) == []
        assert console_errors(browser, allowed=PROVOKED) == []

        # On a 360 px phone in the dark: no sideways scrolling, no serious violation.
        for page, title in (("team", f"Your team at {brand}"), ("audit-log", "Audit log")):
            on_a_dark_phone(browser, origin, page, title, tmp_path)
        browser.set_window_size(1400, 1000)

        # A brand member's reset link: the page works and leads to the console's sign-in.
        asked = client.post(f"{API}/auth/password-reset", json={"email": "vic@example.org"})
        assert asked.status_code == 202
        wait_until(lambda: received(inbox, "vic@example.org", "/reset-password"), 60, "the reset")
        button(browser, "Sign out").click()
        wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")
        browser.get(origin + mail_to(inbox, "vic@example.org", "/reset-password"))
        wait(browser, lambda b: heading(b) == "Choose a new password")
        browser.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(
            "another long passphrase"
        )
        button(browser, "Save the new password").click()
        wait(browser, lambda b: said(b, "Your password is changed"))
        link(browser, "Sign in to the console").click()
        wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")
        sign_in(browser, origin, "vic@example.org", "another long passphrase")
        assert "Team" in nav_names(browser)
        assert console_errors(browser, allowed=PROVOKED) == []

    # What the browser did, read through the API: the roles changed, the removed member is out.
    organisation = client.get(f"{API}/organisation", headers=owner_h).json
    roles = {m["email"]: m["role"] for m in organisation["members"]}
    assert roles == {owner.email: "owner", "vic@example.org": "manager"}
    gone = client.post(
        f"{API}/auth/token", json={"email": "mia@example.org", "password": NEW_PASSWORD}
    )
    assert gone.status_code == 401
