"""Which language a request gets: Accept-Language's best supported match, q-values honoured."""

from __future__ import annotations

import pytest

from backend.i18n import best_language


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("nl", "nl"),
        ("de", "en"),
        ("fr-BE", "fr"),
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("fr;q=0.1, nl;q=0.9", "nl"),
        ("de, fr;q=0.5, nl;q=0.4", "fr"),
        ("fr-CA, en;q=0.5", "fr"),  # werkzeug's best_match would take the exact "en"
        ("fr;q=0, nl;q=0.2", "nl"),  # q=0 refuses
        ("fr;q=0", "en"),
        ("*", "en"),
        ("de, *;q=0.5, fr;q=0.1", "en"),
        ("EN-gb", "en"),
        ("fr;q=abc, nl;q=0.5", "nl"),  # an entry werkzeug cannot read is left out
        (";;;,,,", "en"),
    ],
)
def test_the_best_supported_language_wins(header, language):
    assert best_language(header) == language


@pytest.mark.parametrize("amount_minor", [0, 1, 5, 99, 100, 1050, -5, -1050, 123_456_789])
def test_english_amounts_are_written_as_everywhere_else_in_the_api(amount_minor):
    from backend.i18n import money
    from backend.kernel.money import format_money

    # Outside a request: English, the API's own format.
    assert money(amount_minor, "EUR") == format_money(amount_minor, "EUR")
