"""Settings: defaults first, then FAIRFIELD_* environment variables, then the caller's mapping.

backend/settings.py reads the merged result once into typed, checked `Settings`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask


class BadSetting(ValueError):
    """A FAIRFIELD_* setting that cannot be understood; the app refuses to start."""


# Every setting and its default; the README documents each (a test checks it does).
# `None` means "derived from VAR_DIR" (see `derive_paths`); backend/settings.py types and
# checks each one once, when the app is built.
DEFAULTS: dict[str, Any] = {
    "VAR_DIR": "./var",
    "DATABASE_URL": None,
    "BROKER_URL": None,
    "PHOTO_DIR": None,
    "PHOTO_STORE": "local",
    "S3_BUCKET": "",
    "S3_ENDPOINT_URL": "",
    "DB_POOL_SIZE": 5,
    "DB_POOL_TIMEOUT_SECONDS": 30,
    "DB_POOLER": "none",
    "SQLITE_BUSY_TIMEOUT_MS": 10_000,
    "SQLITE_MMAP_MB": 256,
    "TOKEN_TTL_SECONDS": 7 * 24 * 3600,
    # The key photo links are signed with; empty: made once and kept in <var>/secret_key.
    "SECRET_KEY": "",
    "PHOTO_LINK_TTL_SECONDS": 900,
    "EXPORT_LINK_TTL_SECONDS": 7 * 24 * 3600,
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "PROXY_COUNT": 0,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URL": None,
    "LOGIN_RATE_LIMIT": "10 per minute;100 per hour",
    # Each sign-up costs an argon2 hash; per address, roomy enough for a household behind NAT.
    "REGISTER_RATE_LIMIT": "20 per hour;50 per day",
    "MAX_BODY_BYTES": 32 * 1024 * 1024,
    "OUTBOX_SWEEP_SECONDS": 30,
    "OUTBOX_RESEND_AFTER_SECONDS": 300,
    "OUTBOX_RELAY_ON_COMMIT": True,
    "TASK_SOFT_TIME_LIMIT": 120,
    "TASK_TIME_LIMIT": 150,
    "BROKER_VISIBILITY_TIMEOUT": 3600,
    # With a Redis broker, beats share a lock there: a dead one's holds the others off so long.
    "BEAT_LOCK_TIMEOUT_SECONDS": 60,
    "BEAT_KEY_PREFIX": "fairfield:beat:",
    "CLAIM_LIMIT": 3,
    "CLAIM_BUFFER_MINUTES": 60,
    "CLAIM_EXPIRY_SWEEP_SECONDS": 60,
    # How often beat opens the rounds of recurring campaigns that fell due.
    "ROUND_SWEEP_SECONDS": 900,
    "TRAVEL_SPEED_KMH": 4.5,
    "SUBMISSION_MAX_PHOTOS": 10,
    "SUBMISSION_GRACE_MINUTES": 60,
    "UPLOAD_EXPIRY_HOURS": 24,
    "UPLOAD_LOCK_WAIT_SECONDS": 5,
    "UPLOAD_SWEEP_SECONDS": 60,
    "PHOTO_MAX_BYTES": 20 * 1024 * 1024,
    "PHOTO_MAX_PIXELS": 50_000_000,
    "PHOTO_MIN_SHORT_SIDE": 720,
    "PHOTO_MIN_SHARPNESS": 40.0,
    "PHOTO_MIN_LUMINANCE": 40.0,
    "PHOTO_MAX_LUMINANCE": 220.0,
    "PHOTO_MAX_CLIPPED": 0.25,
    "PHOTO_REUSE_MAX_HAMMING": 4,
    "PHOTO_SIMILAR_MAX_HAMMING": 7,
    "MAX_TRAVEL_SPEED_KMH": 200,
    "EXIF_CLOCK_DRIFT_MINUTES": 5,
    "MIN_HOURLY": "12.00 EUR",
    "TRAVEL_ALLOWANCE_MINUTES": 15,
    "CLAIM_WINDOW_MIN_MINUTES": 45,
    "CLAIM_WINDOW_MAX_MINUTES": 240,
    "SHOW_UP_SHARE_PERCENT": 50,
    "SHOW_UP_MIN": "2.00 EUR",
    "LOCATION_RETENTION_DAYS": 90,
    "REVIEW_SLA_HOURS": 48,
    "REVIEW_DEADLINE_SWEEP_SECONDS": 300,
    "REVIEW_LEASE_SECONDS": 120,
    "AUDIT_SAMPLE_PERCENT": 2,
    "APPEAL_WINDOW_DAYS": 7,
    "PAYOUT_MIN": "10.00 EUR",
    "LEDGER_CHECK_HOUR": 3,
    "PAYOUT_SLA_DAYS": 7,
    "PAYOUT_DEBTOR_NAME": "Fairfield Payouts",
    "PAYOUT_DEBTOR_IBAN": "NL91ABNA0417164300",
    "PAYOUT_DEBTOR_BIC": "ABNANL2A",
    "LOG_LEVEL": "INFO",
    "LOG_JSON": True,
    "MAP_TILE_URL": "",
    # Addresses typed in the worker app, through a geopy geocoder; "" : no address search.
    "GEOCODER": "",
    "GEOCODER_DOMAIN": "",
    "GEOCODER_API_KEY": "",
    "GEOCODER_USER_AGENT": "fairfield",
    "GEOCODER_RATE_LIMIT": "10 per minute;100 per day",
    # Mail: SMTP when a URL is given, else one .eml file a message in MAIL_DIR.
    "SMTP_URL": "",
    "MAIL_DIR": None,
    # Every erasure is also appended here (JSON lines), for a restore to re-apply.
    "ERASURE_LOG_DIR": None,
    "MAIL_FROM": "Fairfield <no-reply@localhost>",
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "PASSWORD_RESET_TTL_SECONDS": 3600,
    "EMAIL_VERIFICATION_TTL_SECONDS": 7 * 24 * 3600,
    # An organisation's invitation link works this long; each API key gets this many calls.
    "INVITE_TTL_SECONDS": 7 * 24 * 3600,
    "API_KEY_RATE_LIMIT": "600/minute",
    # Webhooks: seconds between attempts (about a day in all), and what a send may reach.
    "WEBHOOK_RETRY_DELAYS": [5, 300, 1800, 7200, 18000, 28800, 30000],
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": False,  # tests only: loopback, private, plain http
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOK_MAX_RESPONSE_BYTES": 4096,
    # Share of requests and tasks Sentry traces for its own performance views (0: errors only).
    "SENTRY_TRACES_SAMPLE_RATE": 0,
}

# Standard variables read under their own names (Sentry's and OpenTelemetry's), empty when
# unset; the caller's mapping may give them too. Errors and traces are off while they are.
OBSERVE_VARIABLES = (
    "SENTRY_DSN",
    "SENTRY_ENVIRONMENT",
    "SENTRY_RELEASE",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_SDK_DISABLED",
)


def load_config(app: Flask, config: Mapping[str, Any] | None) -> None:
    """Fill app.config from defaults, then the environment, then `config`."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("FAIRFIELD")
    app.config.from_mapping({name: os.environ.get(name, "") for name in OBSERVE_VARIABLES})
    if config:
        app.config.from_mapping(config)
    derive_paths(app.config)
    _make_folders(app.config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = persisted_secret_key(Path(app.config["VAR_DIR"]))
    # Should the shared storage go down, limits fall back to each process's memory rather
    # than failing the requests they guard.
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True


def derive_paths(cfg: dict[str, Any]) -> None:
    """Fill the settings left empty that follow from FAIRFIELD_VAR_DIR and the broker."""
    var = Path(os.path.expanduser(str(cfg["VAR_DIR"]))).resolve()
    cfg["VAR_DIR"] = str(var)
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = f"sqlite:///{var / 'fairfield.sqlite'}"
    if not cfg["BROKER_URL"]:
        cfg["BROKER_URL"] = f"sqla+sqlite:///{var / 'broker.sqlite'}"
    if not cfg["RATELIMIT_STORAGE_URL"]:
        # A Redis broker is shared by every process and node: so are the limits kept there
        # (its keys are prefixed, apart from Celery's). Else each process counts alone.
        broker = str(cfg["BROKER_URL"])
        shared = broker.startswith(("redis://", "rediss://"))
        cfg["RATELIMIT_STORAGE_URL"] = broker if shared else "memory://"
    if not cfg["PHOTO_DIR"]:
        cfg["PHOTO_DIR"] = str(var / "photos")
    if not cfg.get("MAIL_DIR"):
        cfg["MAIL_DIR"] = str(var / "mail")
    if not cfg.get("ERASURE_LOG_DIR"):
        cfg["ERASURE_LOG_DIR"] = str(var / "erasure-log")


def _make_folders(cfg: dict[str, Any]) -> None:
    for key in ("DATABASE_URL", "BROKER_URL"):
        if str(cfg[key]).startswith("sqlite:///") or str(cfg[key]).startswith("sqla+sqlite:///"):
            path = str(cfg[key]).split(":///", 1)[1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(cfg["PHOTO_DIR"]).mkdir(parents=True, exist_ok=True)
    Path(cfg["ERASURE_LOG_DIR"]).mkdir(parents=True, exist_ok=True)


KEY_FILE_NAME = "secret_key"


def persisted_secret_key(var_dir: Path) -> str:
    """The key kept in `<var>/secret_key`, made on first use; every process gets the same one.

    The new key is written whole to a private temporary file, then linked to its name: a link
    never replaces a file, so of several processes starting at once (gunicorn's workers,
    Celery's) the first to link wins and the others read its key.
    """
    path = var_dir / KEY_FILE_NAME
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    var_dir.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=var_dir, prefix=".secret_key-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process was first: its key
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise BadSetting(f"{path} is empty: delete it to have a new key made, or set one.")
    return key
