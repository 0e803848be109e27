"""Settings are typed and checked once, when the app is built: a bad one stops the start."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from backend import create_app
from backend.config import DEFAULTS, OBSERVE_VARIABLES, BadSetting
from backend.kernel.money import Money
from backend.settings import (
    OBSERVE_READERS,
    READERS,
    Settings,
    current_settings,
    default_settings,
    defaults_with,
    override_settings,
    settings_of,
)

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_has_a_typed_field_and_a_reader():
    names = {field.name.upper() for field in fields(Settings)}
    assert names == set(DEFAULTS) | set(OBSERVE_VARIABLES)
    assert set(READERS) == set(DEFAULTS)
    assert set(OBSERVE_READERS) == set(OBSERVE_VARIABLES)


def test_the_defaults_all_validate():
    settings = default_settings()
    assert settings.payout_min == Money(1000, "EUR")
    assert settings.payout_debtor_iban == "NL91ABNA0417164300"
    assert settings.ratelimit_storage_url == "memory://"  # derived: the broker is not Redis
    assert settings.log_level == "INFO"


def test_good_values_are_typed_as_the_environment_or_a_mapping_gives_them():
    settings = defaults_with(
        CLAIM_LIMIT="5",  # the environment: JSON when it parses, else text
        TRAVEL_SPEED_KMH="3",
        PHOTO_MAX_CLIPPED=0.5,
        SUBMISSION_GRACE_MINUTES=30.0,
        RATELIMIT_ENABLED="false",
        LOG_JSON=0,
        OUTBOX_RELAY_ON_COMMIT=True,
        MIN_HOURLY=" 9.5 USD ",
        SHOW_UP_SHARE_PERCENT="100",
        LOGIN_RATE_LIMIT="3 per minute",
        LOG_LEVEL="warning",
        PAYOUT_DEBTOR_IBAN="nl91 abna 0417 1643 00",
        PAYOUT_DEBTOR_BIC="abnanl2a",
    )
    assert (settings.claim_limit, settings.submission_grace_minutes) == (5, 30)
    assert isinstance(settings.claim_limit, int)
    assert isinstance(settings.submission_grace_minutes, int)
    assert settings.travel_speed_kmh == 3.0
    assert isinstance(settings.travel_speed_kmh, float)
    assert settings.photo_max_clipped == 0.5
    assert (settings.ratelimit_enabled, settings.log_json, settings.outbox_relay_on_commit) == (
        False,
        False,
        True,
    )
    assert settings.min_hourly == Money(950, "USD")
    assert settings.show_up_share_percent == 100
    assert settings.login_rate_limit == "3 per minute"
    assert settings.log_level == "WARNING"
    assert (settings.payout_debtor_iban, settings.payout_debtor_bic) == (
        "NL91ABNA0417164300",
        "ABNANL2A",
    )


# One or more bad values per kind of setting; each must stop create_app, named.
BAD = [
    ("CLAIM_LIMIT", "three"),  # a whole number
    ("CLAIM_LIMIT", 2.5),
    ("CLAIM_LIMIT", True),
    ("DB_POOL_SIZE", 0),
    ("PAYOUT_SLA_DAYS", "-1"),
    ("TRAVEL_SPEED_KMH", "fast"),  # a number
    ("TRAVEL_SPEED_KMH", 0),
    ("PHOTO_MAX_CLIPPED", 1.5),
    ("REVIEW_SLA_HOURS", "nan"),
    ("EXIF_CLOCK_DRIFT_MINUTES", 24 * 60),
    ("RATELIMIT_ENABLED", "no"),  # a flag: refused, not guessed
    ("OUTBOX_RELAY_ON_COMMIT", 2),
    ("LOG_JSON", "yes"),
    ("PAYOUT_MIN", "ten euros"),  # money
    ("MIN_HOURLY", "12,00 EUR"),
    ("SHOW_UP_MIN", 2),
    ("SHOW_UP_SHARE_PERCENT", 101),  # a range
    ("PHOTO_REUSE_MAX_HAMMING", 65),
    ("LOG_LEVEL", "chatty"),  # a choice
    ("DB_POOLER", "pgpool"),
    ("LOGIN_RATE_LIMIT", "lots"),  # a rate limit
    ("BROKER_URL", "redis-host:6379"),  # a URL
    ("PAYOUT_DEBTOR_NAME", ""),  # the debtor's bank details
    ("PAYOUT_DEBTOR_NAME", "<>"),  # nothing a SEPA file can print
    ("PAYOUT_DEBTOR_IBAN", "NL00ABNA0417164300"),
    ("PAYOUT_DEBTOR_IBAN", "BR1800360305000010009795493C1"),  # outside the SEPA zone
    ("PAYOUT_DEBTOR_BIC", "NOPE"),
]


@pytest.mark.parametrize(("key", "bad"), BAD)
def test_a_bad_setting_stops_the_app_at_start_naming_it(app_config, key, bad):
    with pytest.raises(BadSetting, match=f"FAIRFIELD_{key}\\b"):
        create_app({**app_config, key: bad})


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("CLAIM_WINDOW_MIN_MINUTES", "CLAIM_WINDOW_MAX_MINUTES"),
        ("PHOTO_MIN_LUMINANCE", "PHOTO_MAX_LUMINANCE"),
        ("PHOTO_REUSE_MAX_HAMMING", "PHOTO_SIMILAR_MAX_HAMMING"),
        ("TASK_SOFT_TIME_LIMIT", "TASK_TIME_LIMIT"),
    ],
)
def test_settings_that_go_together_must_agree(low, high):
    with pytest.raises(BadSetting, match=f"FAIRFIELD_{low} must be at most FAIRFIELD_{high}"):
        defaults_with(**{low: DEFAULTS[high] + 1})


def test_every_bad_setting_is_named_at_once():
    with pytest.raises(BadSetting) as refused:
        defaults_with(CLAIM_LIMIT="x", PAYOUT_MIN="y")
    assert str(refused.value).splitlines() == [
        "FAIRFIELD_CLAIM_LIMIT must be a whole number from 1 up, not 'x'.",
        "FAIRFIELD_PAYOUT_MIN must be an amount and a currency code like '10.00 EUR', not 'y'.",
    ]


def test_the_app_reads_its_settings_typed_and_a_change_is_checked_too(app):
    assert settings_of(app).submission_max_photos == DEFAULTS["SUBMISSION_MAX_PHOTOS"]
    with app.app_context():
        assert current_settings() is settings_of(app)
    override_settings(app, SUBMISSION_MAX_PHOTOS="3")
    assert settings_of(app).submission_max_photos == 3
    with pytest.raises(BadSetting, match="FAIRFIELD_SUBMISSION_MAX_PHOTOS"):
        override_settings(app, SUBMISSION_MAX_PHOTOS=0)
    assert settings_of(app).submission_max_photos == 3  # a refused change changes nothing
    assert app.config["SUBMISSION_MAX_PHOTOS"] == "3"


def _run(args: list[str], tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRFIELD_")}
    env |= {"FAIRFIELD_VAR_DIR": str(tmp_path / "var"), "PYTHONPATH": str(ROOT)}
    env |= {f"FAIRFIELD_{key}": value for key, value in settings.items()}
    return subprocess.run(
        args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


ENTRY_POINTS = {
    "fairfield": [sys.executable, "-c", "from backend.cli import main; main()", "db", "upgrade"],
    "celery": [sys.executable, "-m", "celery", "-A", "workers.celery_app:celery", "worker"],
    "gunicorn": [
        sys.executable,
        "-m",
        "gunicorn",
        "backend.wsgi:app",
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
    ],
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_each_process_refuses_to_start_saying_which_setting(tmp_path, entry):
    ran = _run(ENTRY_POINTS[entry], tmp_path, PAYOUT_MIN="ten euros")
    assert ran.returncode != 0
    expected = "Error: FAIRFIELD_PAYOUT_MIN must be an amount and a currency code like '10.00 EUR'"
    assert expected in ran.stderr
    assert "Traceback" not in ran.stderr


def test_the_command_line_runs_on_good_settings(tmp_path):
    ran = _run(ENTRY_POINTS["fairfield"], tmp_path, PAYOUT_MIN="5.00 EUR")
    assert ran.returncode == 0, ran.stderr
    assert "database at revision" in ran.stdout
