"""Pure webhook rules: the events, which addresses a webhook may reach, the retry schedule.

Server-side request forgery is refused twice: a URL whose host is a literal unsafe address is
refused when the subscription is made, and every address a host name resolves to is checked
again at each send (DNS can change), the connection then made to the address checked.
"""

from __future__ import annotations

import ipaddress
import random
import re
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

EVENTS = (
    "submission.approved",
    "mission.reopened",
    "campaign.completed",
    "campaign.budget_low",
)
# Less than this share of a campaign's funding left: `campaign.budget_low`, once.
BUDGET_LOW_SHARE = 0.10
# Messages in a row that exhausted their retries before a subscription is disabled.
DISABLE_AFTER = 3
# Seconds between attempts by default: exponential-ish, about a day in all (23.9 h).
DEFAULT_RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 28800, 30000)
JITTER = 0.2  # each delay drawn within ±20 %, so a receiver back up is not hit all at once
URL_MAX = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services: refused whatever the allowance (AWS, GCP and Azure answer on the
# link-local 169.254.169.254; ECS on 169.254.170.2; AWS's IPv6 one; Alibaba's).
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
# A dotted quad in any of the forms inet_aton takes ("127.1", "0x7f.0.0.1", "2130706433"):
# a resolver reads those as addresses too, so they are judged as literals.
_LEGACY_IPV4 = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}", re.I)


class UnsafeUrl(ValueError):
    """A webhook URL or address Fairfield will not send to; the message says why."""


def literal_address(host: str) -> IPAddress | None:
    """The address a host names literally (IPv4 in any legacy form, or IPv6); None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries to its network (::ffff:10.0.0.1 mapped, 2002:a00:1::
    6to4, 64:ff9b::a00:1 NAT64, all 10.0.0.1): judged as itself, not as a global IPv6."""
    if not isinstance(address, ipaddress.IPv6Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_problem(address: IPAddress, *, allow_private: bool) -> str | None:
    """Why a webhook may not be sent to this address, or None when it may."""
    address = _embedded_ipv4(address)
    if address in METADATA:
        return "a cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast or address.is_unspecified:
        return "not a unicast address"
    if address.is_loopback:  # before `reserved`, which ::1 also is
        return None if allow_private else "a loopback address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return None if allow_private else "a private address"
    return None


def check_url(url: str, *, allow_private: bool) -> tuple[str, str, int]:
    """The scheme, host and port of a URL a webhook may be sent to; UnsafeUrl says why not.

    https only (plain http too with the test allowance); a literal address must be safe; a
    host name is only resolved and checked when sending."""
    if len(url) > URL_MAX:
        raise UnsafeUrl(f"At most {URL_MAX} characters.")
    if not url.isascii() or any(c.isspace() or not c.isprintable() for c in url):
        raise UnsafeUrl("Only printable ASCII, no spaces: percent-encode the rest.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("Not a URL.") from exc
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeUrl("Must be an https URL.")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("The URL has no host.")
    if parts.username or parts.password:
        raise UnsafeUrl("Credentials in the URL are not allowed: use the signature.")
    if parts.fragment:
        raise UnsafeUrl("A fragment is never sent: leave it out.")
    address = literal_address(host)
    if address is not None and (problem := address_problem(address, allow_private=allow_private)):
        raise UnsafeUrl(f"The host is {problem}.")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def pick_address(addresses: Sequence[IPAddress], *, allow_private: bool) -> IPAddress:
    """The address to connect to among those a name resolved to: every one must be safe (a
    name that also points inside is refused whole), the first is taken."""
    if not addresses:
        raise UnsafeUrl("The host name did not resolve.")
    for address in addresses:
        if problem := address_problem(address, allow_private=allow_private):
            raise UnsafeUrl(f"The host name resolves to {problem} ({address}).")
    return addresses[0]


def max_attempts(delays: Sequence[float]) -> int:
    """How many attempts a message gets: the first, then one after each delay."""
    return len(delays) + 1


def retry_delay(delays: Sequence[float], attempt: int, rng: random.Random) -> float | None:
    """Seconds to wait after failed attempt `attempt` (1-based), jittered; None when that
    attempt was the last."""
    if attempt < 1 or attempt > len(delays):
        return None
    base = float(delays[attempt - 1])
    return max(0.0, base * rng.uniform(1 - JITTER, 1 + JITTER))


def budget_low(*, funded_minor: int, remaining_minor: int) -> bool:
    """Whether less than 10 % of a campaign's funding remains."""
    return funded_minor > 0 and remaining_minor < funded_minor * BUDGET_LOW_SHARE


def accepted(status_code: int | None) -> bool:
    """A receiver accepts a message with a 2xx; a redirect is not followed, so it fails."""
    return status_code is not None and 200 <= status_code < 300
