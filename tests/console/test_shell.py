"""The console's shell in a real headless Chromium: sign in, the navigation each role gets,
sign out (which revokes the token), the pure helpers, and no accessibility violation."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.console import (
    button,
    console_errors,
    heading,
    nav_links,
    run_module,
    serious_violations,
    sign_in,
    wait,
)
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def origin_of(gunicorn: str) -> str:
    return gunicorn.removesuffix("/api/v1")


def test_an_admin_signs_in_sees_the_admin_pages_and_signs_out(
    gunicorn: str, browser: Any, make: Any
) -> None:
    from selenium.webdriver.common.by import By

    origin = origin_of(gunicorn)
    admin = make(UserFactory, admin=True, display_name="Bea Admin")
    browser.get(f"{origin}/")
    assert heading(browser) == "Sign in to the Fairfield console"
    assert browser.title == "Sign in · Fairfield console"
    assert serious_violations(browser) == []

    sign_in(browser, origin, admin.email, PASSWORD)
    # What waits is counted beside its link; each link's name still begins with the page's.
    expected = ["Review queue (0)", "Appeals (0)", "Payouts", "Fairness", "Service status"]
    wait(browser, lambda b: nav_links(b) == expected)
    token = browser.execute_script("return sessionStorage.getItem('fairfield.token')")
    assert token
    assert token not in browser.current_url  # a token never travels in a URL

    wait(browser, lambda b: "Nothing is waiting" in b.find_element(By.TAG_NAME, "main").text)
    button(browser, "Sign out").click()
    wait(browser, lambda b: heading(b) == "Sign in to the Fairfield console")
    assert browser.execute_script("return sessionStorage.getItem('fairfield.token')") is None
    assert nav_links(browser) == ["Service status"]
    # The server forgot the token too: it no longer opens anything.
    status = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/v1/me', {headers: {Authorization: 'Bearer ' + arguments[0]}})"
        ".then(r => done(r.status));",
        token,
    )
    assert status == 401
    assert (
        console_errors(
            browser,
            allowed=(
                "/api/v1/me - Failed to load resource: the server responded with a status of 401",
            ),
        )
        == []
    )


def test_a_brand_gets_the_brand_pages(gunicorn: str, browser: Any, make: Any) -> None:
    origin = origin_of(gunicorn)
    brand = make(UserFactory, brand_user=True)
    sign_in(browser, origin, brand.email, PASSWORD)
    assert nav_links(browser) == [
        "Campaigns",
        "Stores",
        "Team",
        "Audit log",
        "API keys",
        "Webhooks",
        "Service status",
    ]
    assert heading(browser) == "Campaigns"
    for page, title in (("#/campaigns", "Campaigns"), ("#/stores", "Stores")):
        browser.get(f"{origin}/{page}")
        wait(browser, lambda b, title=title: heading(b) == title)
        assert browser.title == f"{title} · Fairfield console"
        assert serious_violations(browser) == []
    browser.get(f"{origin}/#/review")  # an admin page: said, not shown
    wait(browser, lambda b: heading(b) == "This page is not for your account.")
    assert console_errors(browser) == []


def test_a_wrong_password_is_said_in_words(gunicorn: str, browser: Any, make: Any) -> None:
    from selenium.webdriver.common.by import By

    origin = origin_of(gunicorn)
    admin = make(UserFactory, admin=True)
    browser.get(f"{origin}/#/signin")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "form input[type=email]"))
    from tests.support.console import by_label

    by_label(browser, "Email").send_keys(admin.email)
    by_label(browser, "Password").send_keys("not the password")
    button(browser, "Sign in").click()
    alert = wait(browser, lambda b: b.find_element(By.CSS_SELECTOR, "[role=alert]").text)
    assert "password" in alert.lower() or "credentials" in alert.lower()
    assert browser.execute_script("return sessionStorage.getItem('fairfield.token')") is None


CHECKS = {
    "far": {
        "name": "location",
        "passed": False,
        "detail": {
            "distance_m": 2934.2,
            "geofence_m": 150,
            "accuracy_m": 12,
            "accuracy_allowance_m": 12,
        },
    },
    "near": {
        "name": "location",
        "passed": True,
        "detail": {"distance_m": 42.4, "geofence_m": 150, "accuracy_m": 8},
    },
    "sharp": {
        "name": "sharpness",
        "passed": False,
        "detail": {"photo": 1, "laplacian_variance": 12.3, "minimum": 40.0},
    },
    "similar": {
        "name": "similar_photo",
        "passed": False,
        "detail": {"matches": [{"photo": 0, "photo_id": "p", "hamming": 6}], "max_hamming": 7},
    },
    "missing": {
        "name": "answers_complete",
        "passed": False,
        "detail": {"missing": ["TOW-2"], "unknown": [], "repeated": []},
    },
    "first": {"name": "travel_speed", "passed": True, "detail": {"previous": None}},
    "unknown": {"name": "brand_new_check", "passed": True, "detail": {}},
}


def test_the_pure_helpers_say_things_as_people_do(gunicorn: str, browser: Any) -> None:
    origin = origin_of(gunicorn)
    browser.get(f"{origin}/#/signin")
    heading(browser)
    said = run_module(
        browser,
        "/static/common/js/evidence.js",
        f"Object.fromEntries(Object.entries({json.dumps(CHECKS)})"
        ".map(([k, c]) => [k, m.checkSentence(c)]))",
    )
    assert said == {
        "far": "taken 2.9 km from the store (geofence 150 m, accuracy 12 m)",
        "near": "taken 42 m from the store (geofence 150 m, accuracy 8 m)",
        "sharp": "Photo 2: sharpness 12.3 (minimum 40)",
        "similar": "looks like 1 photo in another submission",
        "missing": "missing answers: TOW-2",
        "first": "first submission of this worker: no travel to compare",
        "unknown": "brand new check passed",
    }
    now = "new Date('2026-12-05T10:00:00Z')"
    left = run_module(
        browser,
        "/static/console/js/i18n.js",
        f"[m.timeLeft('2026-12-07T03:30:00Z', {now}), m.timeLeft('2026-12-05T10:20:00Z', {now}),"
        f" m.timeLeft('2026-12-05T09:00:00Z', {now}), m.distance(850), m.distance(2934),"
        " m.money({amount_minor: 1200, currency: 'EUR'}),"
        " m.money({amount_minor: 500, currency: 'JPY'})]",
    )
    assert left == [
        "41 h left to decide",
        "20 min left to decide",
        "past the deadline: approved automatically soon",
        "850 m",
        "2.9 km",
        "€12.00",
        "¥500",
    ]
    problem = {
        "title": "Unprocessable Content",
        "detail": "The request did not validate; see `errors`.",
        "errors": {"reason_code": ["Required to reject."]},
    }
    sentences = run_module(
        browser,
        "/static/console/js/api.js",
        f"[m.sentence(422, {json.dumps(problem)}),"
        " m.sentence(409, {detail: 'Approved by Bea Admin at 10:02.'}), m.sentence(500, null)]",
    )
    assert sentences == [
        "reason_code: Required to reject.",
        "Approved by Bea Admin at 10:02.",
        "Something went wrong (500).",
    ]
    rows = run_module(
        browser,
        "/static/common/js/evidence.js",
        "m.answerRows([{sku: 'A', name: 'Towel A'}, {sku: 'B', name: 'Towel B'}],"
        " [{sku: 'A', count: 7}, {sku: 'Z', count: 1}])"
        ".map(r => [r.sku, r.asked, r.answer && r.answer.count])",
    )
    assert rows == [["A", True, 7], ["B", True, None], ["Z", False, 1]]
    route = run_module(
        browser,
        "/static/console/js/app.js",
        "[m.parseHash('#/review/abc?flag=location')].map("
        "r => [r.path, r.rest, r.query.get('flag')])[0]",
    )
    assert route == ["#/review", ["abc"], "location"]
    assert console_errors(browser) == []


SIMILAR_ITEM = {
    "id": "s1",
    "flagged": True,
    "flags": ["similar_photo"],
    "checks": [
        {
            "name": "similar_photo",
            "passed": False,
            "detail": {"matches": [{"photo": 1, "photo_id": "m1", "hamming": 6}]},
        }
    ],
    "evidence": {"outcome": "completed", "answers": [{"sku": "TOW-1", "count": 7}]},
    "photos": [
        {
            "id": "p0",
            "url": "/static/console/favicon.svg?0",
            "review_url": "/static/console/favicon.svg?r0",
        },
        {
            "id": "p1",
            "url": "/static/console/favicon.svg?1",
            "review_url": "/static/console/favicon.svg?r1",
        },
    ],
    "store": {"name": "Jumbo Brussels 3", "latitude": 50.85, "longitude": 4.35, "geofence_m": 150},
    "campaign": {"id": "c", "name": "Towels audit"},
    "products": [{"sku": "TOW-1", "name": "Towel"}, {"sku": "TOW-2", "name": "Towel XL"}],
    "worker": {"display_name": "Wim", "approved": 12, "rejected": 1, "level": "bronze"},
    "matches": [
        {
            "photo": 1,
            "photo_id": "m1",
            "submission_id": "81f2",
            "hamming": 6,
            "exact": False,
            "erased": False,
            "url": "/static/console/favicon.svg?m",
            "review_url": "/static/console/favicon.svg?mr",
        }
    ],
    "deadline_at": "2999-01-01T00:00:00Z",
    "received_at": "2026-12-05T10:00:00Z",
}


def test_a_similar_photo_is_shown_beside_its_match(gunicorn: str, browser: Any) -> None:
    """The submission view, drawn from an item as the queue gives it: the matched photo beside
    this one, the answers beside the products asked, the worker's record."""
    origin = origin_of(gunicorn)
    browser.get(f"{origin}/#/status")
    heading(browser)
    shown = run_module(
        browser,
        "/static/console/js/pages/review-item.js",
        f"(() => {{ const view = m.itemView({json.dumps(SIMILAR_ITEM)},"
        " {form: document.createElement('form'), lease: null, position: '1 of 1'});"
        " document.querySelector('main').append(view);"
        " const pair = view.querySelector('figure.pair');"
        " return {alts: [...pair.querySelectorAll('img')].map(i => i.alt),"
        "  caption: pair.querySelector('figcaption').textContent,"
        "  answers: view.querySelector('.answers tbody').innerText,"
        "  worker: view.querySelector('.worker').textContent}; })()",
    )
    assert shown["alts"] == [
        "Photo 2 of 2 from Jumbo Brussels 3",
        "Photo matched from submission 81f2",
    ]
    assert shown["caption"].startswith(
        "This submission's photo beside the match from submission 81f2"
    )
    assert "TOW-1 Towel\t7 facings" in shown["answers"]
    assert "TOW-2 Towel XL\tno answer" in shown["answers"]
    assert shown["worker"] == "Worker: Wim: 12 approved, 1 rejected, level bronze"
