"""Typed settings: every FAIRFIELD_* setting read and checked once, when the app is built.

A value that cannot be understood raises BadSetting naming it, so the API, the Celery
processes and the `fairfield` command refuse to start on it rather than fail a request or a
task later. Code reads `current_settings()` (inside the app) or `settings_of(app)`, never
`app.config`; pure rules are handed the values they need.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from functools import cache
from typing import Any, cast
from urllib.parse import urlsplit

import limits
from flask import Flask, current_app

from backend.config import DEFAULTS, OBSERVE_VARIABLES, BadSetting, derive_paths
from backend.kernel.bank import normalize_bic, normalize_iban, sepa_text
from backend.kernel.money import Money, parse_money_setting

EXTENSION = "fairfield.settings"


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Every FAIRFIELD_* setting, typed; each field is its setting's name in lower case."""

    var_dir: str
    database_url: str
    broker_url: str
    photo_dir: str
    photo_store: str  # "local" (PHOTO_DIR) or "s3" (S3_BUCKET; credentials from AWS_*)
    s3_bucket: str
    s3_endpoint_url: str  # "" : AWS itself
    db_pool_size: int
    db_pool_timeout_seconds: int
    db_pooler: str
    sqlite_busy_timeout_ms: int
    sqlite_mmap_mb: int
    token_ttl_seconds: int
    secret_key: str = field(repr=False)  # never in a log line or a traceback
    photo_link_ttl_seconds: int
    export_link_ttl_seconds: int
    argon2_time_cost: int
    argon2_memory_kib: int
    proxy_count: int
    ratelimit_enabled: bool
    ratelimit_storage_url: str
    login_rate_limit: str
    register_rate_limit: str
    max_body_bytes: int
    outbox_sweep_seconds: float
    outbox_resend_after_seconds: int
    outbox_relay_on_commit: bool
    task_soft_time_limit: int
    task_time_limit: int
    broker_visibility_timeout: int
    beat_lock_timeout_seconds: int
    beat_key_prefix: str
    claim_limit: int
    claim_buffer_minutes: int
    claim_expiry_sweep_seconds: float
    round_sweep_seconds: float
    travel_speed_kmh: float
    submission_max_photos: int
    submission_grace_minutes: int
    upload_expiry_hours: float
    upload_lock_wait_seconds: float
    upload_sweep_seconds: float
    photo_max_bytes: int
    photo_max_pixels: int
    photo_min_short_side: int
    photo_min_sharpness: float
    photo_min_luminance: float
    photo_max_luminance: float
    photo_max_clipped: float
    photo_reuse_max_hamming: int
    photo_similar_max_hamming: int
    max_travel_speed_kmh: float
    exif_clock_drift_minutes: float
    min_hourly: Money
    travel_allowance_minutes: int
    claim_window_min_minutes: int
    claim_window_max_minutes: int
    show_up_share_percent: int
    show_up_min: Money
    location_retention_days: int
    review_sla_hours: float
    review_deadline_sweep_seconds: float
    review_lease_seconds: int
    audit_sample_percent: float  # share of machine approvals a person looks at again
    appeal_window_days: float
    payout_min: Money
    ledger_check_hour: int
    payout_sla_days: int
    payout_debtor_name: str
    payout_debtor_iban: str  # compact
    payout_debtor_bic: str | None  # compact; None when not given
    log_level: str  # upper case, a name the logging module knows
    log_json: bool
    map_tile_url: str  # "" : the console's maps draw the vendored outlines only
    geocoder: str  # "" : no address search; else a geopy service name ("nominatim")
    geocoder_domain: str  # "" : the geocoder's own public host
    geocoder_api_key: str = field(repr=False)
    geocoder_user_agent: str
    geocoder_rate_limit: str
    smtp_url: str = field(repr=False)  # "" : mail goes to MAIL_DIR; may hold a password
    mail_dir: str
    erasure_log_dir: str
    mail_from: str
    public_url: str  # no trailing slash
    password_reset_ttl_seconds: int
    email_verification_ttl_seconds: int
    invite_ttl_seconds: int
    api_key_rate_limit: str
    webhook_retry_delays: tuple[float, ...]
    webhook_allow_private_networks: bool
    webhook_timeout_seconds: float
    webhook_max_response_bytes: int
    sentry_traces_sample_rate: float
    # Standard variables, under their own names (backend/config.py, OBSERVE_VARIABLES).
    sentry_dsn: str = field(repr=False)  # "" : errors are not reported
    sentry_environment: str
    sentry_release: str
    otel_exporter_otlp_endpoint: str  # "" for both: no traces
    otel_exporter_otlp_traces_endpoint: str
    otel_service_name: str  # "" : fairfield-api or fairfield-worker
    otel_sdk_disabled: bool

    @property
    def otel_traces_url(self) -> str:
        """Where spans are posted (OTLP over HTTP), as the OTLP exporter's specification
        derives it; "" when tracing is off."""
        if self.otel_sdk_disabled:
            return ""
        if self.otel_exporter_otlp_traces_endpoint:
            return self.otel_exporter_otlp_traces_endpoint
        if self.otel_exporter_otlp_endpoint:
            return self.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        return ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Every setting from a merged config (see backend/config.py); BadSetting names each
        one that is not valid, one a line."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for key, read in READERS.items():
            try:
                values[key.lower()] = read(config[key], f"FAIRFIELD_{key}")
            except BadSetting as exc:
                problems.append(str(exc))
        for name in OBSERVE_VARIABLES:
            try:
                values[name.lower()] = OBSERVE_READERS[name](config.get(name) or "", name)
            except BadSetting as exc:
                problems.append(str(exc))
        if problems:
            raise BadSetting("\n".join(problems))
        return cls(**values)

    def __post_init__(self) -> None:
        if self.photo_store == "s3" and not self.s3_bucket:
            raise BadSetting("FAIRFIELD_PHOTO_STORE=s3 needs FAIRFIELD_S3_BUCKET.")
        # Each value is sound alone; these pairs must also agree with each other.
        for low, high, what in _PAIRS:
            if getattr(self, low.lower()) > getattr(self, high.lower()):
                raise BadSetting(
                    f"FAIRFIELD_{low} must be at most FAIRFIELD_{high} ({what}), "
                    f"not {getattr(self, low.lower())!r} > {getattr(self, high.lower())!r}."
                )


_PAIRS = (
    ("CLAIM_WINDOW_MIN_MINUTES", "CLAIM_WINDOW_MAX_MINUTES", "the shortest and longest window"),
    ("PHOTO_MIN_LUMINANCE", "PHOTO_MAX_LUMINANCE", "too dark and burnt out"),
    ("PHOTO_REUSE_MAX_HAMMING", "PHOTO_SIMILAR_MAX_HAMMING", "the same picture and a similar one"),
    ("TASK_SOFT_TIME_LIMIT", "TASK_TIME_LIMIT", "the soft limit comes first"),
)


def init_settings(app: Flask) -> Settings:
    """Read the app's settings once, typed and checked; BadSetting stops the app's start."""
    settings = Settings.from_config(app.config)
    _install(app, settings)
    return settings


def settings_of(app: Flask) -> Settings:
    """The settings of an app built by create_app."""
    return cast(Settings, app.extensions[EXTENSION])


def current_settings() -> Settings:
    """The settings of the app of the current request, task or command."""
    return settings_of(current_app)


@cache
def default_settings() -> Settings:
    """The defaults, typed: for code run outside any app (a script, a pure test)."""
    return defaults_with()


def defaults_with(**changes: Any) -> Settings:
    """The defaults with some settings changed, checked as at start (scripts, pure tests)."""
    config = {**DEFAULTS, **changes}
    derive_paths(config)
    return Settings.from_config(config)


def override_settings(app: Flask, **changes: Any) -> Settings:
    """Change settings of a built app, checked as at start (tests, the shell). What create_app
    built from them (the database pool, Celery, the limiter's storage) stays as it was."""
    settings = Settings.from_config({**app.config, **changes})
    app.config.update(changes)
    _install(app, settings)
    return settings


def _install(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION] = settings
    # What Flask and Flask-Limiter read from app.config themselves, in the types they expect.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["RATELIMIT_ENABLED"] = settings.ratelimit_enabled
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_url


# Readers: (the raw value, its FAIRFIELD_ name) -> the typed value, or BadSetting.
Reader = Callable[[object, str], Any]


def _refuse(name: str, expected: str, value: object) -> BadSetting:
    return BadSetting(f"{name} must be {expected}, not {value!r}.")


def _number(value: object) -> float | None:
    # The environment gives JSON ("15" is 15, "true" is True), a caller's mapping anything.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _whole(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    found = _number(value)
    return int(found) if found is not None and found.is_integer() else None


def whole(low: int, high: int | None = None) -> Reader:
    """A whole number from `low` (to `high`): 7, "7" and 7.0 are 7; 7.5 and True are refused."""
    expected = f"a whole number from {low}" + (f" to {high}" if high is not None else " up")

    def read(value: object, name: str) -> int:
        found = _whole(value)
        if found is None or found < low or (high is not None and found > high):
            raise _refuse(name, expected, value)
        return found

    return read


def number(
    low: float, high: float | None = None, *, above: bool = False, expected: str = ""
) -> Reader:
    """A number from `low` (or `above` it) to `high`; inf, nan and True are refused."""
    expected = expected or (
        f"a number {'above' if above else 'from'} {low:g}"
        + (f" to {high:g}" if high is not None else (" up" if not above else ""))
    )

    def read(value: object, name: str) -> float:
        found = _number(value)
        if found is None or found < low or (above and found == low):
            raise _refuse(name, expected, value)
        if high is not None and found > high:
            raise _refuse(name, expected, value)
        return found

    return read


def _minutes_under_a_day(value: object, name: str) -> float:
    found = _number(value)
    if found is None or not 0 <= found < 24 * 60:
        raise _refuse(name, "minutes from 0 to a day", value)
    return found


_TRUE, _FALSE = ("true", "1", True, 1), ("false", "0", False, 0)


def flag(value: object, name: str) -> bool:
    """true or false (1 or 0); anything else, "no" included, is refused rather than guessed."""
    key = value.strip().lower() if isinstance(value, str) else value
    if isinstance(key, float) or key not in (*_TRUE, *_FALSE):
        raise _refuse(name, "true or false", value)
    return key in _TRUE


def text(value: object, name: str) -> str:
    """Text that is not blank."""
    if not isinstance(value, str) or not value.strip():
        raise _refuse(name, "text", value)
    return value


SECRET_KEY_MIN_LENGTH = 32


def secret_key(value: object, name: str) -> str:
    """A key of at least 32 characters; empty when the app is to make and keep its own
    (create_app fills it from `<var>/secret_key` before the settings are read)."""
    if value == "":
        return ""
    if not isinstance(value, str):
        kind = type(value).__name__  # not the value: it may be the key, read as JSON
        raise BadSetting(
            f"{name} must be text of at least {SECRET_KEY_MIN_LENGTH} characters, not a {kind}."
        )
    if len(value.strip()) < SECRET_KEY_MIN_LENGTH:
        # The key itself is never repeated in a message: only how short it is.
        raise BadSetting(
            f"{name} must be at least {SECRET_KEY_MIN_LENGTH} characters long (or empty, to "
            f"have one made and kept in <var>/secret_key), not {len(value.strip())}."
        )
    return value.strip()


def url(value: object, name: str) -> str:
    """A URL with its scheme (`postgresql+psycopg://...`, `redis://...`, `memory://`)."""
    if not isinstance(value, str) or "://" not in value:
        raise _refuse(name, "a URL like 'scheme://...'", value)
    return value


# A tile template's origin goes into the console's Content-Security-Policy, so its host must
# be a plain host name (with `{s}` for Leaflet's subdomains) and an optional port: nothing
# that could end a directive or add a source. Plain http only for this machine.
_TILE_ORIGIN = re.compile(
    r"(?:https://(?:\{s\}\.)?[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?"
    r"|http://(?:localhost|127\.0\.0\.1))(?::[0-9]{1,5})?/[^\s;,'\"]*",
    re.IGNORECASE,
)


def tile_url(value: object, name: str) -> str:
    """Empty, or an https tile URL template with {z}, {x} and {y} (Leaflet's form); http
    only from localhost."""
    if value is None or value == "":
        return ""
    ok = isinstance(value, str) and _TILE_ORIGIN.fullmatch(value) is not None
    if not ok or not all(part in str(value) for part in ("{z}", "{x}", "{y}")):
        raise _refuse(name, "empty or a URL like 'https://tiles.example/{z}/{x}/{y}.png'", value)
    return str(value)


def db_pooler(value: object, name: str) -> str:
    """What stands between the processes and PostgreSQL: 'none' or 'pgbouncer' (transaction
    pooling: no server-side prepared statements, no session state)."""
    found = str(value).strip().lower() if isinstance(value, str) else None
    if found not in ("none", "pgbouncer"):
        raise _refuse(name, "'none' or 'pgbouncer'", value)
    return found


def geocoder(value: object, name: str) -> str:
    """Empty (no address search), or the name of a geocoder geopy knows: 'nominatim'."""
    if value is None or value == "":
        return ""
    from geopy.exc import GeocoderNotFound
    from geopy.geocoders import get_geocoder_for_service

    try:
        get_geocoder_for_service(str(value).strip().lower())
    except GeocoderNotFound:
        raise _refuse(name, "empty or a geopy geocoder's name like 'nominatim'", value) from None
    return str(value).strip().lower()


_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?(?:/[^\s]*)?", re.IGNORECASE)


def host(value: object, name: str) -> str:
    """Empty, or a host name with an optional port and path: 'nominatim.example.org'."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or _HOST.fullmatch(value.strip()) is None:
        raise _refuse(name, "empty or a host name like 'nominatim.example.org'", value)
    return value.strip()


def photo_store(value: object, name: str) -> str:
    """Where photos are kept: 'local' (a folder) or 's3' (an S3-compatible bucket)."""
    chosen = str(value or "local").strip().lower()
    if chosen not in {"local", "s3"}:
        raise _refuse(name, "'local' or 's3'", value)
    return chosen


def optional_text(value: object, name: str) -> str:
    """Any text, empty included (never repeated in a message: it may be a key)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadSetting(f"{name} must be text, not a {type(value).__name__}.")
    return value.strip()


def money(value: object, name: str) -> Money:
    """An amount and a currency: '10.00 EUR'."""
    return parse_money_setting(value, name=name)


def rate_limit(value: object, name: str) -> str:
    """Flask-Limiter's limits: '10 per minute;100 per hour'."""
    try:
        if isinstance(value, str) and limits.parse_many(value):
            return value
    except ValueError:
        pass
    raise _refuse(name, "a rate limit like '10 per minute;100 per hour'", value)


def log_level(value: object, name: str) -> str:
    """A level the logging module knows, in any case: 'INFO', 'warning'."""
    level = value.strip().upper() if isinstance(value, str) else None
    if level not in logging.getLevelNamesMapping():
        raise _refuse(name, "a log level: DEBUG, INFO, WARNING, ERROR or CRITICAL", value)
    return level


def debtor_name(value: object, name: str) -> str:
    """A name a SEPA file can carry."""
    if not isinstance(value, str) or not sepa_text(value, 70):
        raise _refuse(name, "a name", value)
    return value


def iban(value: object, name: str) -> str:
    """An IBAN in the SEPA zone, compacted."""
    try:
        return normalize_iban(str(value))
    except ValueError as exc:
        raise BadSetting(f"{name}: {exc}") from exc


def bic(value: object, name: str) -> str | None:
    """A BIC, compacted; empty for none."""
    try:
        return normalize_bic(str(value)) if value else None
    except ValueError as exc:
        raise BadSetting(f"{name}: {exc}") from exc


def smtp_url(value: object, name: str) -> str:
    """Empty (mail is written to FAIRFIELD_MAIL_DIR), or `smtp://[user:pass@]host[:port]`
    or `smtps://...` (TLS from the first byte)."""
    if value is None or value == "":
        return ""
    try:
        parts = urlsplit(value) if isinstance(value, str) else None
        ok = parts is not None and parts.scheme in ("smtp", "smtps") and bool(parts.hostname)
        ok = ok and parts is not None and (parts.port is None or parts.port > 0)
    except ValueError:
        ok = False
    if not ok:
        # Never the value itself: it may carry the SMTP password.
        raise BadSetting(
            f"{name} must be empty or a URL like 'smtp://user:password@host:587' "
            "(or 'smtps://...' for TLS)."
        )
    return str(value)


def mail_address(value: object, name: str) -> str:
    """A sender: 'Fairfield <no-reply@example.org>' or a bare address."""
    if isinstance(value, str) and "\n" not in value and "\r" not in value:
        _display, address = parseaddr(value)
        if "@" in address and " " not in address:
            return value.strip()
    raise _refuse(name, "an address like 'Fairfield <no-reply@example.org>'", value)


def public_url(value: object, name: str) -> str:
    """The http(s) address people reach Fairfield at, without a trailing slash."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise _refuse(name, "a URL like 'https://fairfield.example'", value)
    if parts.query or parts.fragment:
        raise _refuse(name, "a URL without query or fragment", value)
    return str(value).rstrip("/")


def delays(value: object, name: str) -> tuple[float, ...]:
    """A JSON list of seconds, each from 0 to a day: '[5, 300, 1800]' (empty: no retry)."""
    found = value
    if isinstance(value, str):
        try:
            found = json.loads(value)
        except ValueError:
            found = None
    numbers = [_number(v) for v in found] if isinstance(found, list | tuple) else [None]
    if any(n is None or not 0 <= n <= 86400 for n in numbers):
        raise _refuse(name, "a JSON list of seconds, each from 0 to 86400, like '[5, 300]'", value)
    return tuple(float(n) for n in numbers if n is not None)


READERS: dict[str, Reader] = {
    "VAR_DIR": text,
    "DATABASE_URL": url,
    "BROKER_URL": url,
    "PHOTO_DIR": text,
    "PHOTO_STORE": photo_store,
    "S3_BUCKET": optional_text,
    "S3_ENDPOINT_URL": optional_text,
    "DB_POOL_SIZE": whole(1),
    "DB_POOL_TIMEOUT_SECONDS": whole(1),
    "DB_POOLER": db_pooler,
    "SQLITE_BUSY_TIMEOUT_MS": whole(0),
    "SQLITE_MMAP_MB": whole(0),
    "TOKEN_TTL_SECONDS": whole(1),
    "SECRET_KEY": secret_key,
    "PHOTO_LINK_TTL_SECONDS": whole(1),
    "EXPORT_LINK_TTL_SECONDS": whole(1),
    "ARGON2_TIME_COST": whole(1),
    "ARGON2_MEMORY_KIB": whole(8),  # argon2's least for one lane
    "PROXY_COUNT": whole(0),
    "RATELIMIT_ENABLED": flag,
    "RATELIMIT_STORAGE_URL": url,
    "LOGIN_RATE_LIMIT": rate_limit,
    "REGISTER_RATE_LIMIT": rate_limit,
    "MAX_BODY_BYTES": whole(1),
    "OUTBOX_SWEEP_SECONDS": number(0, above=True),
    "OUTBOX_RESEND_AFTER_SECONDS": whole(0),
    "OUTBOX_RELAY_ON_COMMIT": flag,
    "TASK_SOFT_TIME_LIMIT": whole(1),
    "TASK_TIME_LIMIT": whole(1),
    "BROKER_VISIBILITY_TIMEOUT": whole(1),
    "BEAT_LOCK_TIMEOUT_SECONDS": whole(1),
    "BEAT_KEY_PREFIX": text,
    "CLAIM_LIMIT": whole(1),
    "CLAIM_BUFFER_MINUTES": whole(0),
    "CLAIM_EXPIRY_SWEEP_SECONDS": number(0, above=True),
    "ROUND_SWEEP_SECONDS": number(0, above=True),
    "TRAVEL_SPEED_KMH": number(0, above=True),
    "SUBMISSION_MAX_PHOTOS": whole(1),
    "SUBMISSION_GRACE_MINUTES": whole(0),
    "UPLOAD_EXPIRY_HOURS": number(0, above=True),
    "UPLOAD_LOCK_WAIT_SECONDS": number(0),
    "UPLOAD_SWEEP_SECONDS": number(0, above=True),
    "PHOTO_MAX_BYTES": whole(1),
    "PHOTO_MAX_PIXELS": whole(1),
    "PHOTO_MIN_SHORT_SIDE": whole(0),
    "PHOTO_MIN_SHARPNESS": number(0),
    "PHOTO_MIN_LUMINANCE": number(0, 255),
    "PHOTO_MAX_LUMINANCE": number(0, 255),
    "PHOTO_MAX_CLIPPED": number(0, 1),
    "PHOTO_REUSE_MAX_HAMMING": whole(0, 64),  # perceptual hashes have 64 bits
    "PHOTO_SIMILAR_MAX_HAMMING": whole(0, 64),
    "MAX_TRAVEL_SPEED_KMH": number(0, above=True),
    "EXIF_CLOCK_DRIFT_MINUTES": _minutes_under_a_day,
    "MIN_HOURLY": money,
    "TRAVEL_ALLOWANCE_MINUTES": whole(0),
    "CLAIM_WINDOW_MIN_MINUTES": whole(1),
    "CLAIM_WINDOW_MAX_MINUTES": whole(1),
    "SHOW_UP_SHARE_PERCENT": whole(0, 100),
    "SHOW_UP_MIN": money,
    "LOCATION_RETENTION_DAYS": whole(0),
    "REVIEW_SLA_HOURS": number(0),
    "REVIEW_DEADLINE_SWEEP_SECONDS": number(0, above=True),
    "REVIEW_LEASE_SECONDS": whole(1),
    "AUDIT_SAMPLE_PERCENT": number(0, 100),
    "APPEAL_WINDOW_DAYS": number(0),
    "PAYOUT_MIN": money,
    "LEDGER_CHECK_HOUR": whole(0, 23),
    "PAYOUT_SLA_DAYS": whole(0),
    "PAYOUT_DEBTOR_NAME": debtor_name,
    "PAYOUT_DEBTOR_IBAN": iban,
    "PAYOUT_DEBTOR_BIC": bic,
    "LOG_LEVEL": log_level,
    "LOG_JSON": flag,
    "MAP_TILE_URL": tile_url,
    "GEOCODER": geocoder,
    "GEOCODER_DOMAIN": host,
    "GEOCODER_API_KEY": optional_text,
    "GEOCODER_USER_AGENT": text,
    "GEOCODER_RATE_LIMIT": rate_limit,
    "SMTP_URL": smtp_url,
    "MAIL_DIR": text,
    "ERASURE_LOG_DIR": text,
    "MAIL_FROM": mail_address,
    "PUBLIC_URL": public_url,
    "PASSWORD_RESET_TTL_SECONDS": whole(60),
    "EMAIL_VERIFICATION_TTL_SECONDS": whole(60),
    "INVITE_TTL_SECONDS": whole(60),
    "API_KEY_RATE_LIMIT": rate_limit,
    "WEBHOOK_RETRY_DELAYS": delays,
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": flag,
    "WEBHOOK_TIMEOUT_SECONDS": number(0, 60, above=True),
    "WEBHOOK_MAX_RESPONSE_BYTES": whole(0, 1024 * 1024),
    "SENTRY_TRACES_SAMPLE_RATE": number(0, 1),
}


def sentry_dsn(value: object, name: str) -> str:
    """Empty (no error reports), or a DSN Sentry's SDK accepts."""
    if value == "":
        return ""
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(str(value))
    except BadDsn:
        # Never the value itself: its key lets anyone send events.
        raise BadSetting(
            f"{name} must be empty or a DSN like 'https://key@o1.ingest.sentry.io/1'."
        ) from None
    return str(value).strip()


def otlp_endpoint(value: object, name: str) -> str:
    """Empty, or the http(s) URL of an OTLP/HTTP receiver."""
    if value == "":
        return ""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise _refuse(name, "empty or a URL like 'http://collector:4318'", value)
    return str(value).strip()


def optional_flag(value: object, name: str) -> bool:
    """A switch left empty (false) or true or false."""
    return False if value == "" else flag(value, name)


OBSERVE_READERS: dict[str, Reader] = {
    "SENTRY_DSN": sentry_dsn,
    "SENTRY_ENVIRONMENT": optional_text,
    "SENTRY_RELEASE": optional_text,
    "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint,
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": otlp_endpoint,
    "OTEL_SERVICE_NAME": optional_text,
    "OTEL_SDK_DISABLED": optional_flag,
}
