"""Accounts recovered through the app and its mail, end to end: a real Celery worker sends the
mail to a real SMTP server (aiosmtpd). A worker signed up in the app is refused a payout in
plain words until the address is confirmed with the registration mail's link, then paid; a
forgotten password is reset from the mailed link, after which the new password signs in and
the old one does not. The mail pages keep their token out of the history and the Referer."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from sqlalchemy import select

from tests.support.app import (
    heading,
    open_screen,
    origin_of,
    screen_problems,
    sign_in,
    sign_up,
    tap,
    wait_for_text,
)
from tests.support.console import button, by_label
from tests.support.factories import PASSWORD
from tests.support.mail import link_in, smtp_server
from tests.support.payouts import IBANS, credit
from tests.support.processes import wait_until

pytestmark = pytest.mark.browser

NEW_PASSWORD = "a brand new passphrase 42"
REFUSED = ("Failed to load resource",)  # the refusals the test provokes on purpose


def mailed(inbox: Any, count: int, path: str) -> str:
    """Wait for the `count`-th mail and return the path and query of its link to `path`."""
    wait_until(lambda: len(inbox.received) >= count, 60, f"mail number {count}")
    link = urlsplit(link_in(inbox.received[count - 1][2], path))
    return f"{link.path}?{link.query}"


def open_mail_link(phone: Any, origin: str, path_and_query: str, title: str) -> None:
    """Open a mailed link as the phone would; the page drops the token from its address and
    from the history, and sends no Referer anywhere."""
    phone.get(origin + path_and_query)
    assert heading(phone) == title
    assert "token" not in phone.current_url
    history = phone.execute_cdp_cmd("Page.getNavigationHistory", {})
    assert not [e["url"] for e in history["entries"] if "token" in e["url"]]
    page = requests.get(origin + path_and_query.split("?")[0], timeout=30)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert (
        phone.execute_script("return document.querySelector('meta[name=referrer]').content")
        == "no-referrer"
    )


def request_payout(phone: Any, origin: str) -> None:
    phone.get(f"{origin}/app/#/money")
    heading(phone, "Money")
    wait_for_text(phone, "Request payout")
    by_label(phone, "IBAN").send_keys(IBANS[0])
    by_label(phone, "Account holder").send_keys("Vera Verify")
    tap(phone, button(phone, "Request payout"))


def test_a_worker_confirms_the_address_is_paid_and_resets_the_password(
    full_flow: None, gunicorn: str, phone: Any, db: Any, start_worker: Any
) -> None:
    from backend.accounts.models import User

    origin = origin_of(gunicorn)
    email = "vera@example.org"
    with smtp_server() as inbox:
        start_worker(SMTP_URL=inbox.url)
        sign_up(phone, origin, "Vera Verify", email)
        verify_link = mailed(inbox, 1, "/verify-email")
        assert inbox.received[0][1] == [email]
        with db.transaction(write=False) as session:
            worker_id = session.scalars(select(User.id).where(User.email == email)).one()
        credit(db, worker_id, 1200)

        # Unconfirmed: home reminds the worker, and a payout is refused in words.
        phone.get(f"{origin}/app/#/home")
        notice = wait_for_text(phone, "Confirm your email address", "section.notice")
        assert f"we sent a link to {email}" in notice
        assert screen_problems(phone) == []
        request_payout(phone, origin)
        refused = wait_for_text(phone, "Confirm your email", "p.error")
        assert refused == f"Confirm your email address first: we sent a link to {email}."
        assert screen_problems(phone, allowed=REFUSED) == []

        open_mail_link(phone, origin, verify_link, "Confirm your email address")
        assert "Your email address is confirmed" in wait_for_text(phone, "confirmed")
        assert screen_problems(phone) == []

        phone.get(f"{origin}/app/#/home")
        wait_for_text(phone, "Balance", "dl.figures")
        assert not phone.find_elements("css selector", "section.notice")  # confirmed
        request_payout(phone, origin)
        assert "Requested: €12.00" in wait_for_text(phone, "Requested", "p.message")
        assert screen_problems(phone) == []

        # Forgotten: the link from the app's "forgot password" mail sets a new one.
        phone.get(f"{origin}/app/#/account")
        heading(phone, "Vera Verify")
        tap(phone, button(phone, "Sign out"))
        heading(phone, "Sign in")
        open_screen(phone, origin, "#/forgot")
        by_label(phone, "Email").send_keys(email)
        tap(phone, button(phone, "Send the link"))
        assert email in wait_for_text(phone, "is on its way", "p.message")
        assert screen_problems(phone) == []
        reset_link = mailed(inbox, 2, "/reset-password")
        assert inbox.received[1][1] == [email]

    open_mail_link(phone, origin, reset_link, "Choose a new password")
    assert screen_problems(phone) == []
    by_label(phone, "New password").send_keys(NEW_PASSWORD)
    tap(phone, button(phone, "Save the new password"))
    assert "Your password is changed" in wait_for_text(phone, "password is changed")
    assert screen_problems(phone) == []

    open_screen(phone, origin, "#/signin")
    by_label(phone, "Email").send_keys(email)
    by_label(phone, "Password").send_keys(PASSWORD)
    tap(phone, button(phone, "Sign in"))
    said = wait_for_text(phone, "Wrong", "p.error")
    assert said == "Wrong email or password."  # the old password no longer opens the account
    assert heading(phone) == "Sign in"
    assert screen_problems(phone, allowed=REFUSED) == []
    phone.get("about:blank")  # the same address again would keep the form as it was typed
    sign_in(phone, origin, email, NEW_PASSWORD)
    assert heading(phone) == "Hello, Vera Verify"
