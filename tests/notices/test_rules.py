"""The notices' pure rules and words: identity, masking, reasons, dates and money per language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.mail.compose import compose
from backend.mail.templates import LOCALES, TEMPLATES
from backend.notices import rules, words


def test_an_act_has_one_notice_id_and_two_acts_have_two():
    assert rules.notice_id("submission:abc") == rules.notice_id("submission:abc")
    assert rules.notice_id("submission:abc") != rules.notice_id("appeal:abc")
    assert len(rules.notice_id("payout:b:w")) == 36  # fits mail_messages.id


def test_an_iban_shows_its_last_four_only():
    assert rules.mask_iban("DE89 3704 0044 0532 0130 00") == "•••• 3000"
    assert rules.mask_iban("BE68539007547034") == "•••• 7034"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "Products asked for are missing from the photos or answers"),
        ("fr", "Des produits demandés manquent dans les photos ou les réponses"),
        ("nl", "Gevraagde producten ontbreken in de foto's of antwoorden"),
    ],
)
def test_a_reason_reads_as_the_app_words_it(locale, expected):
    assert words.reasons(["missing_products"], locale) == expected


def test_a_check_without_words_of_its_own_is_named():
    assert words.reasons(["reused_photo", "decodes"], "en") == (
        "A photo was taken before, for another submission; An automatic check failed (decodes)"
    )


def test_every_reason_code_of_the_review_catalogue_has_words_in_every_language():
    from backend.review.rules import REASON_CODES
    from backend.validation.rules import REASON_CODES as MACHINE

    codes = set(REASON_CODES) | set(MACHINE.values())
    for locale in LOCALES:
        assert codes <= set(words.REASONS[locale]), locale


@pytest.mark.parametrize(
    ("locale", "date", "amount"),
    [
        ("en", "December 13, 2026, 18:40 UTC", "6.00 EUR"),
        ("fr", "13 décembre 2026, 18:40 UTC", "6,00\xa0€"),
        ("nl", "13 december 2026, 18:40 UTC", "€\xa06,00"),
    ],
)
def test_dates_and_money_read_as_the_reader_writes_them(locale, date, amount):
    assert rules.when_words(datetime(2026, 12, 13, 18, 40, tzinfo=UTC), locale) == date
    assert rules.amount_words({"amount_minor": 600, "currency": "EUR"}, locale) == amount


@pytest.mark.parametrize("kind", ["submission_approved", "submission_rejected", "appeal_decided"])
def test_every_notice_has_its_words_in_every_language(kind):
    assert set(TEMPLATES[kind]) == set(LOCALES)
    assert set(TEMPLATES["payout_sent"]) == set(LOCALES)


def test_a_paragraph_made_of_an_empty_comment_is_left_out():
    values = {
        "name": "Zoé",
        "store": "Store 1",
        "campaign": "Shelf check",
        "reasons": words.reasons(["blurry_photo"], "en"),
        "comment": words.comment(None, "en"),
        "deadline": "December 13, 2026, 18:40 UTC",
        "link": "http://127.0.0.1:8000/app/#/submission/s1",
    }
    message = compose(
        mail_id="m1",
        kind="submission_rejected",
        locale="en",
        to_address="zoe@example.org",
        sender="Fairfield <no-reply@localhost>",
        values=values,
        date=datetime(2026, 12, 6, tzinfo=UTC),
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Why: A photo is too blurred to count the shelf.\n\nIf you think" in text
    assert "<p></p>" not in html
