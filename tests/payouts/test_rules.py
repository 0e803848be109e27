"""Pure payout rules: settings, bank details, lateness, totals and the SEPA file, no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sepaxml
import xmlschema

from backend.config import BadSetting
from backend.kernel import bank
from backend.kernel.money import Money, format_money, parse_money_setting
from backend.payouts import rules
from backend.settings import defaults_with

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
SCHEMA = Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.03.xsd"
DEBTOR = rules.Debtor("Fairfield Payouts", "NL91ABNA0417164300", "ABNANL2A")
BATCH_ID = "9f1d2c1e-1111-4222-8333-444455556666"


@pytest.mark.parametrize(
    ("setting", "money"),
    [
        ("10.00 EUR", Money(1000, "EUR")),
        ("10 EUR", Money(1000, "EUR")),
        ("10.5 EUR", Money(1050, "EUR")),
        (" 0.01 CHF ", Money(1, "CHF")),
        ("0 EUR", Money(0, "EUR")),
    ],
)
def test_the_minimum_setting_is_read_in_minor_units(setting, money):
    assert parse_money_setting(setting) == money


@pytest.mark.parametrize(
    "setting", ["", "10", "EUR 10", "10,00 EUR", "-1 EUR", "10.001 EUR", "10 eur", "1e3 EUR", 10]
)
def test_a_malformed_minimum_is_refused_naming_the_setting(setting):
    with pytest.raises(BadSetting, match="FAIRFIELD_PAYOUT_MIN"):
        parse_money_setting(setting)


def test_sla_days_must_be_whole_and_not_negative():
    assert defaults_with(PAYOUT_SLA_DAYS=7).payout_sla_days == 7
    assert defaults_with(PAYOUT_SLA_DAYS="7").payout_sla_days == 7
    assert defaults_with(PAYOUT_SLA_DAYS=0).payout_sla_days == 0
    for bad in ("-1", "7.5", "a week", True, None):
        with pytest.raises(BadSetting, match="FAIRFIELD_PAYOUT_SLA_DAYS"):
            defaults_with(PAYOUT_SLA_DAYS=bad)


def test_shortfall_is_what_the_balance_lacks_and_zero_balance_never_pays():
    assert rules.shortfall(balance_minor=400, minimum_minor=1000) == 600
    assert rules.shortfall(balance_minor=1000, minimum_minor=1000) == 0
    assert rules.shortfall(balance_minor=5000, minimum_minor=1000) == 0
    assert rules.shortfall(balance_minor=0, minimum_minor=0) == 1
    assert format_money(600, "EUR") == "6.00 EUR"
    assert format_money(-5, "EUR") == "-0.05 EUR"


def test_ibans_are_compacted_and_checked():
    assert bank.normalize_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    with pytest.raises(ValueError, match="checksum"):
        bank.normalize_iban("DE88370400440532013000")
    with pytest.raises(ValueError, match="SEPA"):
        bank.normalize_iban("BR1800360305000010009795493C1")
    with pytest.raises(ValueError, match="IBAN"):
        bank.normalize_iban("not an iban")
    assert bank.normalize_bic("gebabebb") == "GEBABEBB"
    with pytest.raises(ValueError, match="BIC"):
        bank.normalize_bic("NOPE")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "required"),
        ("   ", "required"),
        ("x" * 71, "At most 70"),
        ("Jan\nPiet", "Control"),
        ("Jan\tPiet", "Control"),
        ("Jan\u202ePiet", "Control"),  # a right-to-left override hides what a name says
        ("🎉🎉", "letters"),
    ],
)
def test_holder_names_a_bank_cannot_carry_are_refused(name, why):
    with pytest.raises(ValueError, match=why):
        rules.clean_holder_name(name)


def test_holder_names_are_trimmed_and_transliterated_for_the_file():
    assert rules.clean_holder_name("  Zoë Müller ") == "Zoë Müller"
    assert rules.clean_holder_name("李小龍") == "李小龍"
    assert rules.sepa_text("Zoë Müller-Łukasz 李 <b>", 70) == "Zoe Muller-Lukasz Li b"


def test_masked_ibans_show_country_and_last_four_only():
    assert rules.mask_iban("NL91ABNA0417164300") == "NL************4300"
    assert rules.mask_iban("ABC") == "***"


def test_sepa_ids_fit_35_characters_and_lead_back_to_the_row():
    request_id = "6f1d2c1e-1111-4222-8333-444455556666"
    assert rules.end_to_end_id(request_id) == "6f1d2c1e111142228333444455556666"
    assert len(rules.message_id(BATCH_ID)) == 35
    assert rules.message_id(BATCH_ID) != rules.payment_info_id(BATCH_ID)
    with pytest.raises(ValueError, match="35"):
        rules.end_to_end_id("x" * 36)


def test_lateness_is_unpaid_and_older_than_the_sla():
    old = NOW - timedelta(days=7, seconds=1)
    fresh = NOW - timedelta(days=6)
    assert rules.is_late(status="pending", requested_at=old, now=NOW, sla_days=7)
    assert rules.is_late(status="batched", requested_at=old, now=NOW, sla_days=7)
    assert not rules.is_late(status="paid", requested_at=old, now=NOW, sla_days=7)
    assert not rules.is_late(status="pending", requested_at=fresh, now=NOW, sla_days=7)


def test_batch_totals_are_in_one_currency():
    total = rules.batch_total([Money(1000, "EUR"), Money(1234, "EUR")])
    assert total == (Money(2234, "EUR"), 2)
    with pytest.raises(ValueError, match="one currency"):
        rules.batch_total([Money(1000, "EUR"), Money(1000, "CHF")])
    with pytest.raises(ValueError, match="one currency"):
        rules.batch_total([])


def test_debtor_settings_are_checked():
    settings = defaults_with(
        PAYOUT_DEBTOR_NAME="Fairfield",
        PAYOUT_DEBTOR_IBAN="nl91abna0417164300",
        PAYOUT_DEBTOR_BIC="",
    )
    debtor = (settings.payout_debtor_name, settings.payout_debtor_iban, settings.payout_debtor_bic)
    assert debtor == ("Fairfield", "NL91ABNA0417164300", None)
    with pytest.raises(BadSetting, match="FAIRFIELD_PAYOUT_DEBTOR_IBAN"):
        defaults_with(PAYOUT_DEBTOR_IBAN="NL00ABNA0417164300")
    with pytest.raises(BadSetting, match="FAIRFIELD_PAYOUT_DEBTOR_NAME"):
        defaults_with(PAYOUT_DEBTOR_NAME="")


def _transfers() -> list[rules.Transfer]:
    return [
        rules.Transfer(
            "6f1d2c1e-1111-4222-8333-444455556666", "Zoë", "DE89370400440532013000", None, 1234
        ),
        rules.Transfer(
            "7f1d2c1e-1111-4222-8333-444455556666", "李小龍", "BE68539007547034", "GEBABEBB", 1000
        ),
    ]


def test_the_sepa_file_is_valid_pain_001_and_the_same_on_every_export():
    made = [
        rules.sepa_document(
            debtor=DEBTOR, batch_id=BATCH_ID, created_at=NOW, currency="EUR", transfers=_transfers()
        )
        for _ in range(2)
    ]
    assert made[0] == made[1]
    xmlschema.XMLSchema(str(SCHEMA)).validate(made[0].decode())
    root = ET.fromstring(made[0])  # noqa: S314 (our own output, not untrusted input)
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == rules.message_id(BATCH_ID)
    assert header.findtext("p:CreDtTm", namespaces=NS) == "2026-11-24T09:00:00"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "22.34"
    names = [n.text for n in root.iterfind(".//p:CdtTrfTxInf/p:Cdtr/p:Nm", NS)]
    assert names == ["Zoe", "Li Xiao Long"]
    assert root.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == DEBTOR.iban
