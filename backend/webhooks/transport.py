"""One HTTP POST of a signed message, defended against server-side request forgery.

The host name is resolved here, every address checked (rules.pick_address), and the
connection made to the checked address itself, the Host header and the TLS server name
still the URL's: a second lookup by the HTTP library could answer otherwise. Redirects are
not followed, at most `max_response_bytes` of the answer is read, every socket operation
times out, and the whole attempt has a deadline (a receiver trickling a byte at a time
would otherwise hold it past the lease, and the sweeper would send the message again).
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from backend.webhooks import rules

# The whole attempt (resolve, connect, send, read) may take this many `timeout`s at most;
# delivery.Policy.lease gives an attempt more than that before it counts as dead.
DEADLINE_TIMEOUTS = 3

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
    allowed = timeout * DEADLINE_TIMEOUTS
    watchdog = _Watchdog(connection, max(0.0, allowed - (time.monotonic() - start)))
    status: int | None = None
    try:
        connection.request("POST", target, body=body, headers=dict(headers))
        response = connection.getresponse()
        if watchdog.fired:  # the cut ended the headers: an answer that never came whole
            return Outcome(None, took(), watchdog.error)
        status = response.status
        response.read(max_response_bytes)  # read a little, so the receiver is not cut off
        return Outcome(status, took())
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if watchdog.fired:
            # An answer whose status came in time counts; its body was only a courtesy.
            return Outcome(status, took(), None if status is not None else watchdog.error)
        return Outcome(status, took(), f"{type(exc).__name__}: {exc}"[:300])
    finally:
        watchdog.cancel()
        connection.close()


class _Watchdog:
    """Shuts the connection's socket down when the attempt's time is up: a socket timeout
    bounds each read, not a receiver that answers a byte just before each one ends."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self.fired = False
        self.error = f"deadline: no whole answer within {seconds:.1f} s"
        self._connection = connection
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.fired = True
        sock = self._connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # closed meanwhile: nothing left to cut
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        """Stop the timer (the attempt ended by itself)."""
        self._timer.cancel()
