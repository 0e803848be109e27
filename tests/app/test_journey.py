"""One worker's whole day in the app, screen by screen, against the live server and a real
Celery worker: signed up in the app, located, missions found near the phone, the task read,
claimed, checked in, counted with the steppers and the out-of-stock toggle, two photos from
the camera input, submitted; the machine's decision and its checks on the submission screen,
and the reward in the balance. The full journey on PostgreSQL, a shorter smoke on SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from tests.support.app import (
    heading,
    named,
    origin_of,
    put_phone_at,
    screen_problems,
    sign_up,
    tap,
    towel_stores,
    wait_for_text,
)
from tests.support.console import button, by_label, link, screenshot, wait
from tests.support.phone import camera_photo, has_button, saved, shown, take, verdicts
from tests.support.submitting import BRUSSELS

pytestmark = pytest.mark.browser

AT_THE_STORE = (BRUSSELS[0], BRUSSELS[1] + 0.0003)  # about 20 m from the Lidl


def claim_and_check_in(phone: Any, origin: str, store: str) -> str:
    """From "Find missions": locate the phone, open `store`'s mission, claim it, check in at
    the store and open the task; the assignment's id."""
    put_phone_at(phone, origin, *AT_THE_STORE)
    tap(phone, button(phone, "Use my location"))
    missions = named(phone, "ul", "Missions nearby")
    wait(phone, lambda _: store in missions.text)
    tap(phone, link(phone, store))
    heading(phone, store)
    wait_for_text(phone, "A claim holds")
    tap(phone, button(phone, "Claim"))
    wait_for_text(phone, "min left", "p.big")
    assignment_id = str(phone.current_url.rsplit("/", 1)[1])
    tap(phone, button(phone, "Check in"))
    wait_for_text(phone, "You are at the store", "p.message")
    tap(phone, link(phone, "Start the task"))
    wait(phone, lambda d: has_button(d, "Take photo"))
    return assignment_id


def count_and_photograph(phone: Any, files: list[str]) -> None:
    """TOW-1 counted with the steppers (3 up, 1 down: 2), TOW-2 out of stock, and each
    photo given to the "Take photo" camera input, judged good on the phone."""
    more = phone.find_element(By.CSS_SELECTOR, "button[aria-label='One more TOW-1']")
    for _ in range(3):
        tap(phone, more)
    tap(phone, phone.find_element(By.CSS_SELECTOR, "button[aria-label='One less TOW-1']"))
    assert by_label(phone, "Facings counted: TOW-1").get_attribute("value") == "2"
    tap(phone, by_label(phone, "Out of stock: TOW-2"))
    assert not by_label(phone, "Facings counted: TOW-2").is_enabled()
    for index, path in enumerate(files):
        take(phone, path)
        wait(
            phone,
            lambda d, n=index: len(d.find_elements(By.CSS_SELECTOR, "li.photo .good")) == n + 1,
        )
    assert verdicts(phone).count("Sharp and well lit") == 2


def submit_and_follow(phone: Any) -> str:
    """Tap "Submit", wait until the queue has sent it all, follow it to the submission
    screen, and wait there for the Celery worker's decision; the screen's text."""
    tap(phone, button(phone, "Submit"))
    wait(phone, lambda d: shown(d, "Sent"), 90)
    tap(phone, link(phone, "Follow the submission"))
    heading(phone, "Submission")
    return wait_for_text(phone, "Decided", "main")


def journey(
    phone: Any, origin: str, make: Any, tmp_path: Path, start_worker: Any, *, whole: bool
) -> None:
    """The day, checking each screen (axe-core, console); when `whole`, the README's
    screenshots and the home screen too."""
    start_worker()
    towel_stores(make)
    sign_up(phone, origin, "Jo Journey", "jo@example.org")
    assert screen_problems(phone) == []
    assignment_id = claim_and_check_in(phone, origin, "Lidl Brussels Centre")
    assert phone.current_url.endswith(f"/app/#/task/{assignment_id}")
    assert screen_problems(phone) == []

    photos = saved(tmp_path, [camera_photo(seed) for seed in (61, 62)])  # taken now, here
    count_and_photograph(phone, photos)
    assert screen_problems(phone) == []
    if whole:
        section = phone.find_element(By.CSS_SELECTOR, "ol.photos")
        phone.execute_script("arguments[0].scrollIntoView({block: 'center'})", section)
        screenshot(phone, "app-task", tmp_path)

    decided = submit_and_follow(phone)
    assert "Approved" in decided
    assert "Decision" in decided
    assert "Paid: €6.00" in decided
    checks = phone.find_elements(By.CSS_SELECTOR, "ul.checks li")
    assert len(checks) > 3
    assert all(c.text.startswith("✓ passed: ") for c in checks), [c.text for c in checks]
    assert screen_problems(phone) == []
    if whole:
        screenshot(phone, "app-submission", tmp_path)

    phone.get(f"{origin}/app/#/money")
    heading(phone, "Money")
    money = wait_for_text(phone, "Mission approved")
    assert money.split("Balance\n", 1)[1].startswith("€6.00")
    assert screen_problems(phone) == []
    if whole:
        screenshot(phone, "app-money", tmp_path)
        phone.get(f"{origin}/app/#/home")
        home = wait_for_text(phone, "Approved", "ul[aria-label='Your claims']")
        assert "Lidl Brussels Centre" in home
        assert "€6.00" in wait_for_text(phone, "Balance", "dl.figures")
        assert screen_problems(phone) == []


def test_a_new_worker_signs_up_works_and_is_paid_on_postgresql(
    full_flow: None, gunicorn: str, phone: Any, make: Any, start_worker: Any, tmp_path: Path
) -> None:
    journey(phone, origin_of(gunicorn), make, tmp_path, start_worker, whole=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_same_day_as_a_smoke_test_on_sqlite(
    gunicorn: str, phone: Any, make: Any, start_worker: Any, tmp_path: Path
) -> None:
    journey(phone, origin_of(gunicorn), make, tmp_path, start_worker, whole=False)
