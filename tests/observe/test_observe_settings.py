"""The standard Sentry and OpenTelemetry variables are read and checked like our own."""

from __future__ import annotations

import pytest

from backend.config import BadSetting
from backend.settings import default_settings, defaults_with


def test_off_by_default():
    settings = default_settings()
    assert (settings.sentry_dsn, settings.otel_traces_url) == ("", "")
    assert settings.sentry_traces_sample_rate == 0


@pytest.mark.parametrize(
    ("given", "url"),
    [
        (
            {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"},
            "http://collector:4318/v1/traces",
        ),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://c.example/in"}, "https://c.example/in"),
        (
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://other:4318/t",
            },
            "http://other:4318/t",
        ),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, ""),
    ],
)
def test_where_spans_go_follows_the_otlp_specification(given, url):
    assert defaults_with(**given).otel_traces_url == url


def test_bad_values_stop_the_start_naming_them_but_never_repeating_a_dsn():
    with pytest.raises(BadSetting) as refused:
        defaults_with(
            SENTRY_DSN="not-a-dsn-secret",
            OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318",
            SENTRY_TRACES_SAMPLE_RATE=2,
        )
    message = str(refused.value)
    for name in (
        "SENTRY_DSN",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "FAIRFIELD_SENTRY_TRACES_SAMPLE_RATE",
    ):
        assert name in message
    assert "not-a-dsn-secret" not in message
