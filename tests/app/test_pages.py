"""The app speaks the browser's language (English, French, Dutch) or the one the worker picks;
the pages the account mails open take their token out of the address bar before anything else."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.support.app import heading, open_screen, origin_of, screen_problems, sign_in
from tests.support.console import by_label, wait
from tests.support.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.browser


def speak(phone: Any, languages: str) -> None:
    """Make the browser prefer `languages` (an Accept-Language value) from now on."""
    agent = phone.execute_script("return navigator.userAgent")
    phone.execute_cdp_cmd(
        "Emulation.setUserAgentOverride", {"userAgent": agent, "acceptLanguage": languages}
    )


def labelled(phone: Any, label: str) -> Any:
    """The control labelled `label`, or None while the screen does not show it yet."""
    try:
        return by_label(phone, label)
    except LookupError:
        return None


def test_the_app_speaks_the_browsers_language(gunicorn: str, phone: Any) -> None:
    origin = origin_of(gunicorn)
    open_screen(phone, origin, "#/signin")
    for languages, title, lang in (
        ("fr-BE,fr;q=0.9", "Se connecter", "fr"),
        ("nl-BE,nl;q=0.9,en;q=0.5", "Inloggen", "nl"),
        ("de-DE,de;q=0.9", "Sign in", "en"),  # no German: English
    ):
        speak(phone, languages)
        phone.get("about:blank")  # the same address again would only move to its #fragment
        phone.get(f"{origin}/app/#/signin")
        assert heading(phone) == title
        assert phone.execute_script("return document.documentElement.lang") == lang
        assert screen_problems(phone) == [], languages


def test_the_reset_page_hides_its_token_and_asks_for_a_password(gunicorn: str, phone: Any) -> None:
    origin = origin_of(gunicorn)
    phone.get(f"{origin}/reset-password?token=secret-token")
    assert heading(phone) == "Choose a new password"
    assert "token" not in phone.current_url
    assert phone.execute_script("return document.referrer") == ""
    assert screen_problems(phone) == []
    phone.get(f"{origin}/verify-email")
    assert heading(phone) == "Confirm your email address"
    assert "This link is incomplete" in phone.find_element("css selector", "main").text


def test_a_worker_picks_the_apps_language(gunicorn: str, phone: Any, make: Any) -> None:
    origin = origin_of(gunicorn)
    worker = make(UserFactory, display_name="Noor")
    sign_in(phone, origin, worker.email, PASSWORD)
    phone.get(f"{origin}/app/#/account")
    heading(phone, "Noor")
    Select(by_label(phone, "Language")).select_by_value("nl")
    wait(phone, lambda b: b.find_element(By.CSS_SELECTOR, "nav a[href='#/money']").text == "Geld")
    assert phone.execute_script("return document.documentElement.lang") == "nl"
    phone.refresh()  # kept on this phone
    assert heading(phone, "Noor") == "Noor"
    # Waited for: right after the reload the screen may still be drawing (or the old one
    # going), so the label is looked for until the reloaded screen shows it.
    assert wait(phone, lambda d: labelled(d, "Taal")).tag_name == "select"
    assert screen_problems(phone) == []
