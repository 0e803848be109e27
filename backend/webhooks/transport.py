"""One HTTP POST of a signed message, defended against server-side request forgery.

The host name is resolved here, every address checked (rules.pick_address), and the
connection made to the checked address itself, the Host header and the TLS server name
still the URL's: a second lookup by the HTTP library could answer otherwise. Redirects are
not followed, at most `max_response_bytes` of the answer is read, every socket operation
times out.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from backend.webhooks import rules

# (host, port) -> every address the name resolves to.
Resolver = Callable[[str, int], list[rules.IPAddress]]


def system_resolver(host: str, port: int) -> list[rules.IPAddress]:
    """The addresses the system's resolver gives for a host, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: the status code (None when no answer), time, the error."""

    status_code: int | None
    duration_ms: int
    error: str | None = None


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a checked address, the URL's host kept in the Host header."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate is checked for the URL's
    host (server name and hostname check), not for the address."""

    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    allow_private: bool,
    timeout: float,
    max_response_bytes: int,
    resolver: Resolver = system_resolver,
    tls: ssl.SSLContext | None = None,
) -> Outcome:
    """POST `body` to `url` once, as rules allow; never raises for the receiver's faults."""
    start = time.monotonic()

    def took() -> int:
        return round((time.monotonic() - start) * 1000)

    try:
        scheme, host, port = rules.check_url(url, allow_private=allow_private)
        literal = rules.literal_address(host)
        found = [literal] if literal is not None else resolver(host, port)
        address = rules.pick_address(found, allow_private=allow_private)
    except rules.UnsafeUrl as exc:
        return Outcome(None, took(), f"unsafe_url: {exc}")
    except OSError as exc:
        return Outcome(None, took(), f"dns: {exc}")
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if scheme == "https":
        context = tls or ssl.create_default_context()
        connection = _PinnedHTTPS(
            host, port, address=str(address), timeout=timeout, context=context
        )
    else:
        connection = _PinnedHTTP(host, port, address=str(address), timeout=timeout)
    try:
        connection.request("POST", target, body=body, headers=dict(headers))
        response = connection.getresponse()
        response.read(max_response_bytes)  # read a little, so the receiver is not cut off
        return Outcome(response.status, took())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Outcome(None, took(), f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connection.close()
