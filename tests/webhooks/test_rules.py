"""Which addresses a webhook may reach, and the retry schedule: pure rules."""

from __future__ import annotations

import ipaddress
import random

import pytest

from backend.webhooks import rules

UNSAFE_HOSTS = ["10.0.0.1", "169.254.169.254", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize("host", UNSAFE_HOSTS)
def test_a_literal_private_loopback_or_metadata_host_is_refused_without_the_allowance(host):
    with pytest.raises(rules.UnsafeUrl, match="The host is"):
        rules.check_url(f"https://{host}/hook", allow_private=False)


@pytest.mark.parametrize(
    "host",
    [
        "2130706433",  # 127.0.0.1 as one number
        "0x7f.1",
        "127.1",
        "[::ffff:10.0.0.1]",  # IPv4-mapped
        "[2002:a00:1::]",  # 6to4 of 10.0.0.1
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "192.168.1.20",
        "172.16.0.1",
        "100.64.0.1",  # shared address space
        "[fd00::1]",
        "0.0.0.0",  # noqa: S104 (a host refused, not one bound)
        "224.0.0.1",
    ],
)
def test_the_same_addresses_written_otherwise_are_refused_too(host):
    with pytest.raises(rules.UnsafeUrl):
        rules.check_url(f"https://{host}/", allow_private=False)


def test_the_allowance_lets_loopback_private_and_plain_http_through():
    assert rules.check_url("http://127.0.0.1:8080/x", allow_private=True) == (
        "http",
        "127.0.0.1",
        8080,
    )
    assert rules.check_url("https://10.0.0.1/x", allow_private=True)[1] == "10.0.0.1"
    assert rules.check_url("http://[::1]/x", allow_private=True)[2] == 80


@pytest.mark.parametrize(
    "host",
    [
        "169.254.169.254",
        "169.254.170.2",
        "[fe80::1]",
        "[fd00:ec2::254]",
        "100.100.100.200",
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
        "[2002:a9fe:a9fe::]",  # 6to4 of 169.254.169.254
    ],
)
def test_link_local_and_metadata_stay_refused_even_with_the_allowance(host):
    with pytest.raises(rules.UnsafeUrl):
        rules.check_url(f"http://{host}/latest/meta-data/", allow_private=True)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.org/", "https"),
        ("ftp://hooks.example.org/", "https"),
        ("https:///nohost", "no host"),
        ("https://user:pw@hooks.example.org/", "Credentials"),
        ("https://hooks.example.org:99999/", "Not a URL"),
        ("https://hooks.example.org/a b", "no spaces"),
        ("https://hööks.example.org/", "ASCII"),
    ],
)
def test_what_is_not_a_plain_https_url_is_refused(url, why):
    with pytest.raises(rules.UnsafeUrl, match=why):
        rules.check_url(url, allow_private=False)


def test_a_host_name_is_left_to_the_check_at_send_time():
    assert rules.check_url("https://hooks.example.org/in", allow_private=False) == (
        "https",
        "hooks.example.org",
        443,
    )


def test_a_name_is_refused_whole_when_any_of_its_addresses_is_unsafe():
    public, private = ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.1")
    assert rules.pick_address([public], allow_private=False) == public
    with pytest.raises(rules.UnsafeUrl, match="private"):
        rules.pick_address([public, private], allow_private=False)
    with pytest.raises(rules.UnsafeUrl, match="did not resolve"):
        rules.pick_address([], allow_private=False)


def test_retries_follow_the_schedule_jittered_then_stop():
    rng = random.Random(7)
    delays = (10, 100)
    first = rules.retry_delay(delays, 1, rng)
    second = rules.retry_delay(delays, 2, rng)
    assert first is not None
    assert 8 <= first <= 12
    assert second is not None
    assert 80 <= second <= 120
    assert rules.retry_delay(delays, 3, rng) is None
    assert rules.max_attempts(delays) == 3


def test_the_default_schedule_spreads_over_about_a_day():
    total = sum(rules.DEFAULT_RETRY_DELAYS)
    assert 20 * 3600 <= total <= 28 * 3600
    assert list(rules.DEFAULT_RETRY_DELAYS) == sorted(rules.DEFAULT_RETRY_DELAYS)


def test_budget_low_is_under_a_tenth_of_the_funding():
    assert not rules.budget_low(funded_minor=1000, remaining_minor=100)
    assert rules.budget_low(funded_minor=1000, remaining_minor=99)
    assert not rules.budget_low(funded_minor=0, remaining_minor=0)


def test_only_a_2xx_is_accepted():
    assert [rules.accepted(code) for code in (200, 204, 302, 500, None)] == [
        True,
        True,
        False,
        False,
        False,
    ]
