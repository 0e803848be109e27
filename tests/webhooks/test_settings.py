"""The webhook settings: read from the environment's JSON or a mapping, refused when bad."""

from __future__ import annotations

import pytest

from backend.config import BadSetting
from backend.settings import defaults_with
from backend.webhooks.rules import DEFAULT_RETRY_DELAYS


def test_the_defaults_spread_the_retries_over_about_a_day_and_refuse_private_networks():
    settings = defaults_with()
    assert settings.webhook_retry_delays == tuple(float(d) for d in DEFAULT_RETRY_DELAYS)
    assert settings.webhook_allow_private_networks is False
    assert (settings.webhook_timeout_seconds, settings.webhook_max_response_bytes) == (5, 4096)


def test_the_retry_delays_come_as_a_json_list_or_a_list():
    assert defaults_with(WEBHOOK_RETRY_DELAYS="[1, 2.5]").webhook_retry_delays == (1.0, 2.5)
    assert defaults_with(WEBHOOK_RETRY_DELAYS=[0, 3]).webhook_retry_delays == (0.0, 3.0)
    assert defaults_with(WEBHOOK_RETRY_DELAYS="[]").webhook_retry_delays == ()
    assert defaults_with(WEBHOOK_ALLOW_PRIVATE_NETWORKS="true").webhook_allow_private_networks


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("WEBHOOK_RETRY_DELAYS", "5, 10"),
        ("WEBHOOK_RETRY_DELAYS", "[-1]"),
        ("WEBHOOK_RETRY_DELAYS", '["soon"]'),
        ("WEBHOOK_RETRY_DELAYS", "[100000]"),
        ("WEBHOOK_RETRY_DELAYS", 5),
        ("WEBHOOK_ALLOW_PRIVATE_NETWORKS", "yes"),
        ("WEBHOOK_TIMEOUT_SECONDS", 0),
        ("WEBHOOK_MAX_RESPONSE_BYTES", -1),
    ],
)
def test_a_bad_webhook_setting_is_refused_naming_it(key, bad):
    with pytest.raises(BadSetting, match=f"FAIRFIELD_{key}"):
        defaults_with(**{key: bad})
