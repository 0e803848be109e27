"""A worker asking for a payout reads the refusal in their language, amounts written their way."""

from __future__ import annotations

import pytest

from tests.support.payouts import PAYOUTS, payout_body


@pytest.mark.parametrize(
    ("accept_language", "detail"),
    [
        (None, "Your balance is 4.00 EUR; a payout needs at least 10.00 EUR, so 6.00 EUR more."),
        (
            "fr",
            "Votre solde est de 4,00\xa0€ ; un versement demande au moins 10,00\xa0€, "
            "il manque donc 6,00\xa0€.",
        ),
        (
            "nl-BE",
            "Je saldo is €\xa04,00; voor een uitbetaling is minstens €\xa010,00 nodig, "
            "dus nog €\xa06,00 meer.",
        ),
    ],
)
def test_below_the_minimum_in_each_language(client, person, credit, accept_language, detail):
    worker = person()
    credit(worker.id, 400)
    headers = worker.headers | ({"Accept-Language": accept_language} if accept_language else {})
    refused = client.post(PAYOUTS, json=payout_body(), headers=headers)
    assert (refused.status_code, refused.json["code"]) == (422, "balance_below_minimum")
    assert refused.json["detail"] == detail
    assert refused.json["needed"] == {"amount_minor": 600, "currency": "EUR"}
