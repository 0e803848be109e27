"""Money and privacy on the phone: a refused payout said in words, the data export, and an
account erased after its balance is paid out with a final request."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tests.support.app import heading, origin_of, screen_problems, sign_in, tap, wait_for_text
from tests.support.console import button, by_label, wait
from tests.support.factories import PASSWORD, UserFactory
from tests.support.photos import jpeg, shelf
from tests.support.submitting import submit, validate_now

pytestmark = pytest.mark.browser

IBAN = "DE89370400440532013000"


def test_a_worker_leaving_is_paid_first_then_erased(
    full_flow: None,
    gunicorn: str,
    phone: Any,
    app: Any,
    client: Any,
    db: Any,
    make: Any,
    claim: Any,
) -> None:
    from backend.accounts.models import User
    from backend.payouts.models import PayoutRequest

    origin = origin_of(gunicorn)
    worker = make(UserFactory, display_name="Lea Leaving")
    earned = claim(worker=worker)
    sent = submit(client, earned, [jpeg(shelf(seed=7))])
    assert sent.status_code == 202, sent.json
    validate_now(app, db, sent.json["submission_id"])

    sign_in(phone, origin, worker.email, PASSWORD)
    phone.get(f"{origin}/app/#/money")
    heading(phone, "Money")
    wait_for_text(phone, "Mission approved")
    by_label(phone, "IBAN").send_keys(IBAN)
    by_label(phone, "Account holder").send_keys("Lea Leaving")
    tap(phone, button(phone, "Request payout"))
    refused = wait_for_text(phone, "a payout needs at least", "p.error")
    said = "Your balance is 6.00 EUR; a payout needs at least 10.00 EUR, so 4.00 EUR more."
    assert refused == said  # the problem's detail, not its JSON
    assert screen_problems(phone, allowed=("payout-requests - Failed to load resource",)) == []

    phone.get(f"{origin}/app/#/account")
    heading(phone, "Lea Leaving")
    tap(phone, button(phone, "Download my data"))
    wait_for_text(phone, "Your data is downloaded.")
    assert "First we pay your balance of €6.00" in wait_for_text(phone, "First we pay")
    by_label(phone, "IBAN").send_keys(IBAN)
    by_label(phone, "Account holder").send_keys("Lea Leaving")
    assert screen_problems(phone) == []
    tap(phone, button(phone, "Erase my account"))
    dialog = wait(phone, lambda b: b.find_element("css selector", "dialog[open]"))
    assert "We send €6.00 to DE89370400440532013000" in dialog.text
    tap(phone, button(phone, "Erase my account", within="dialog[open]"))
    heading(phone, "Sign in")
    assert phone.execute_script("return localStorage.getItem('fairfield.token')") is None

    with db.transaction(write=False) as session:
        final = session.scalars(select(PayoutRequest).where(PayoutRequest.worker_id == worker.id))
        (request,) = final.all()
        assert (request.final, request.amount_minor, request.iban) == (True, 600, IBAN)
        assert session.get_one(User, worker.id).email != worker.email  # erased
