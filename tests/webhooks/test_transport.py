"""The send-time defence, in process with a stubbed resolver: a name is resolved and checked
at each send, the connection goes to the address checked (Host header and TLS server name
kept), no redirect is followed. Every connection stays on this machine's loopback."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import pytest

from backend.webhooks import transport
from tests.support.receiver import always, receiver, self_signed

BODY = b'{"type":"campaign.completed"}'


class Resolver:
    """A resolver whose answers a test sets, counting each lookup (DNS that changes)."""

    def __init__(self, *answers: str) -> None:
        self.answers = [ipaddress.ip_address(a) for a in answers]
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        self.asked.append((host, port))
        return list(self.answers)


def send(url: str, resolver: Resolver, *, allow_private: bool = True, **kwargs):
    return transport.post(
        url,
        BODY,
        {"Content-Type": "application/json"},
        allow_private=allow_private,
        timeout=5,
        max_response_bytes=4096,
        resolver=resolver,
        **kwargs,
    )


def test_a_name_is_resolved_at_every_send_and_the_checked_address_is_the_one_reached():
    with receiver(always(204)) as hooks:
        port = int(hooks.url.rsplit(":", 1)[1])
        resolver = Resolver("127.0.0.1")
        outcome = send(f"http://hooks.test:{port}/in?x=1", resolver)
        assert outcome.status_code == 204
        assert outcome.error is None
        (request,) = hooks.requests()
        assert request.headers["host"] == f"hooks.test:{port}"
        assert request.path == "/in?x=1"
        assert request.body == BODY
        # The name now points at a private address: refused before any connection.
        resolver.answers = [ipaddress.ip_address("10.1.2.3")]
        refused = send(f"https://hooks.test:{port}/in", resolver, allow_private=False)
        assert refused.status_code is None
        assert refused.error is not None
        assert refused.error.startswith("unsafe_url")
        assert resolver.asked == [("hooks.test", port), ("hooks.test", port)]
        assert len(hooks.requests()) == 1


@pytest.mark.parametrize("address", ["10.0.0.7", "127.0.0.1", "::1", "169.254.169.254"])
def test_a_name_resolving_inside_is_refused_at_send_without_the_allowance(address):
    outcome = send("https://hooks.example.org/in", Resolver(address), allow_private=False)
    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("unsafe_url")


def test_a_name_resolving_to_metadata_is_refused_even_with_the_allowance():
    outcome = send("http://hooks.test/in", Resolver("169.254.169.254"), allow_private=True)
    assert outcome.error is not None
    assert "metadata" in outcome.error


def test_a_name_with_one_unsafe_address_among_safe_ones_is_refused():
    outcome = send(
        "https://hooks.example.org/", Resolver("93.184.216.34", "10.0.0.1"), allow_private=False
    )
    assert outcome.error is not None
    assert outcome.error.startswith("unsafe_url")


def test_a_redirect_is_not_followed_and_counts_as_a_failure():
    with receiver(always(302)) as hooks:
        hooks.extra_headers = {"Location": f"{hooks.url}/elsewhere"}
        outcome = send(f"{hooks.url}/in", Resolver())
        assert outcome.status_code == 302
        assert [r.path for r in hooks.requests()] == ["/in"]


def test_a_large_answer_is_read_only_in_part():
    with receiver(always(200)) as hooks:
        hooks.body_bytes = 1_000_000
        outcome = send(f"{hooks.url}/in", Resolver())
        assert outcome.status_code == 200


def test_tls_is_checked_for_the_urls_host_while_connecting_to_the_checked_address(tmp_path):
    server_tls, client_tls = self_signed(tmp_path, "hooks.test")
    with receiver(always(200), tls=server_tls) as hooks:
        port = int(hooks.url.rsplit(":", 1)[1])
        ok = send(f"https://hooks.test:{port}/in", Resolver("127.0.0.1"), tls=client_tls)
        assert ok.status_code == 200
        assert hooks.requests()[0].headers["host"] == f"hooks.test:{port}"
        # The same server by its address: the certificate does not name it, so no send.
        bad = send(f"https://127.0.0.1:{port}/in", Resolver(), tls=client_tls)
        assert bad.status_code is None
        assert bad.error is not None
        assert "SSL" in bad.error or "certificate" in bad.error


def test_a_receiver_that_does_not_listen_is_an_error_not_an_exception():
    with receiver(always(200)) as hooks:
        url = hooks.url
    outcome = send(f"{url}/in", Resolver())
    assert outcome.status_code is None
    assert outcome.error is not None


class Trickle:
    """A receiver on loopback that reads the request, sends `answer`, then one more byte at a
    time, each before the client's socket timeout: every read succeeds, the answer never ends."""

    def __init__(self, answer: bytes, every: float) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.answer, self.every = answer, every
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(self.answer)
                while True:
                    time.sleep(self.every)
                    conn.sendall(b"a")
            except OSError:
                return  # the client let go

    def close(self) -> None:
        self.listener.close()
        self.thread.join(timeout=10)


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", None),  # the status line comes, the headers never end
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", 200),  # the body never ends
    ],
)
def test_a_receiver_trickling_its_answer_is_cut_at_the_attempts_deadline(answer, status):
    trickle = Trickle(answer, every=0.1)
    try:
        outcome = transport.post(
            f"{trickle.url}/in",
            BODY,
            {"Content-Type": "application/json"},
            allow_private=True,
            timeout=0.4,
            max_response_bytes=1_000_000,
            resolver=Resolver(),
        )
    finally:
        trickle.close()
    # Without the deadline the first would never end, the second after 100,000 bytes.
    assert outcome.status_code == status
    if status is None:
        assert outcome.error is not None
        assert outcome.error.startswith("deadline")
    else:
        assert outcome.error is None
    assert not trickle.thread.is_alive()
