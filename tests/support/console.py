"""Driving the web console in a real browser: sign in, wait, press keys, check the page.

Shared by the console tests (and the benchmark); the names used to find things are the
accessible names the issue fixes ("Email", "Sign in", "Approve", "Reason", …).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "static" / "vendor" / "axe-core" / "axe.min.js"
WAIT = 30

# As Chromium runs on a machine with a closed network: no first-run, sync or update traffic.
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@dataclass
class Desk:
    """The console's origin, an admin, and the submissions waiting for review."""

    origin: str
    admin: Any
    flagged: list[str]
    plain: list[str]


def wait(browser: Any, condition: Any, timeout: float = WAIT) -> Any:
    """Wait until `condition(browser)` is truthy; its value. An element the page redrew
    meanwhile (stale) or has not drawn yet is waited for, not an error."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, timeout, ignored_exceptions=ignored).until(condition)


def by_label(browser: Any, label: str) -> Any:
    """The form control whose <label> text begins with `label`."""
    from selenium.webdriver.common.by import By

    for element in browser.find_elements(By.TAG_NAME, "label"):
        if element.text.strip().startswith(label):
            return browser.find_element(By.ID, element.get_attribute("for"))
    raise LookupError(f"no control labelled {label!r}")


def button(browser: Any, name: str, within: str = "body") -> Any:
    """The visible button whose text begins with `name` (inside the CSS selector `within`).
    A page that renders anew while the buttons are read (the queue after a filter) leaves
    stale elements: they are looked for again, a few times."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    for attempt in range(5):
        try:
            found = [
                b
                for b in browser.find_elements(By.CSS_SELECTOR, f"{within} button")
                if b.is_displayed() and b.text.strip().startswith(name)
            ]
        except StaleElementReferenceException:
            if attempt == 4:
                raise
            time.sleep(0.1)
            continue
        if not found:
            raise LookupError(f"no button {name!r}")
        return found[0]
    raise AssertionError("unreachable")


def link(browser: Any, name: str) -> Any:
    """The link whose text begins with `name`."""
    from selenium.webdriver.common.by import By

    found = [a for a in browser.find_elements(By.TAG_NAME, "a") if a.text.strip().startswith(name)]
    if not found:
        raise LookupError(f"no link {name!r}")
    return found[0]


def nav_links(browser: Any) -> list[str]:
    """The names of the navigation's links, in order."""
    from selenium.webdriver.common.by import By

    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#nav a")]


def heading(browser: Any) -> str:
    """The page's h1 once one is shown."""
    from selenium.webdriver.common.by import By

    return str(wait(browser, lambda b: b.find_element(By.TAG_NAME, "h1").text))


def sign_in(browser: Any, origin: str, email: str, password: str) -> None:
    """Open the console and sign in with the form, as a person does."""
    from selenium.webdriver.common.by import By

    browser.get(f"{origin}/#/signin")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "form input[type=email]"))
    by_label(browser, "Email").send_keys(email)
    by_label(browser, "Password").send_keys(password)
    button(browser, "Sign in").click()
    wait(browser, lambda b: b.find_elements(By.ID, "sign-out"))


def press(browser: Any, keys: str) -> None:
    """Type `keys` into whatever has focus (the page's shortcuts listen on the document)."""
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(keys).perform()


def back_tab(browser: Any, times: int = 1) -> None:
    """Shift+Tab `times`: focus moves back through the page."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    chain = ActionChains(browser).key_down(Keys.SHIFT)
    for _ in range(times):
        chain = chain.send_keys(Keys.TAB)
    chain.key_up(Keys.SHIFT).perform()


def focused(browser: Any) -> Any:
    """The element that has focus."""
    return browser.switch_to.active_element


def serious_violations(browser: Any) -> list[list[Any]]:
    """[rule id, impact, targets] of each serious or critical axe-core violation on the page."""
    browser.execute_script(AXE.read_text())
    violations: list[list[Any]] = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document).then(r => done(r.violations"
        "  .filter(v => v.impact === 'serious' || v.impact === 'critical')"
        "  .map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])));"
    )
    return violations


def console_errors(browser: Any, allowed: tuple[str, ...] = ()) -> list[str]:
    """The browser console's errors and warnings since the last call, but those containing
    one of `allowed` (say, a 409 the test provoked on purpose)."""
    entries = browser.get_log("browser")
    return [
        e["message"]
        for e in entries
        if e["level"] in {"SEVERE", "WARNING"} and not any(a in e["message"] for a in allowed)
    ]


def run_module(browser: Any, module: str, expression: str) -> Any:
    """Import a console module in the page and evaluate `expression` over it (as `m`); its
    JSON value. The page must be on the console's origin."""
    script = (
        "const done = arguments[arguments.length - 1];"
        f"import({json.dumps(module)}).then(m => done(JSON.stringify({expression})))"
        ".catch(e => done(JSON.stringify({error: String(e)})));"
    )
    return json.loads(browser.execute_async_script(script))


def submit_for_review(client: Any, claim: Any, *, far: bool, seed: int, review: bool = True) -> str:
    """A worker claims a fresh mission and submits real photos through the API; `far` puts the
    device 3 km from the store (a location flag), else the campaign asks for a person anyway
    (`review=False`: it does not, and honest evidence is approved by the machine). Returns the
    submission's id; a Celery worker validates it."""
    from tests.support.photos import jpeg, shelf
    from tests.support.submitting import BRUSSELS, honest_payload, submit

    claimed = claim(review_required=review and not far)
    payload = honest_payload(latitude=BRUSSELS[0] + 0.027) if far else honest_payload()
    answer = submit(client, claimed, [jpeg(shelf(seed=seed)), jpeg(shelf(seed=seed + 50))], payload)
    assert answer.status_code == 202, answer.json
    return str(answer.json["submission_id"])


def in_review(db: Any, submission_ids: list[str]) -> bool:
    """Whether every one of these submissions waits for a person (validated, flagged or not)."""
    from sqlalchemy import select

    from backend.submissions.models import Submission

    with db.transaction(write=False) as session:
        statuses = session.scalars(
            select(Submission.status).where(Submission.id.in_(submission_ids))
        ).all()
    return len(statuses) == len(submission_ids) and set(statuses) == {"in_review"}


def screenshot(browser: Any, name: str, fallback: Path) -> Path:
    """Save the page as `name`.png in FAIRFIELD_SCREENSHOTS (the README's pictures are made
    so: `FAIRFIELD_SCREENSHOTS=docs/screenshots pytest tests/console`), else in `fallback`."""
    folder = Path(os.environ.get("FAIRFIELD_SCREENSHOTS") or fallback)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    browser.save_screenshot(str(path))
    return path
