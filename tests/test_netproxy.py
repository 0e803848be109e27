"""The test-controlled network (tests/support/netproxy.py): it forwards, cuts, restores, and
cuts after a given number of bytes, against a real upstream socket server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.netproxy import NetProxy


class Upstream:
    """A TCP server that keeps what each connection sent and answers `ok:<n bytes>` to each
    line ending in a newline."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.address = self.listener.getsockname()
        self.received: list[bytearray] = []
        self.closed = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            buffer = bytearray()
            self.received.append(buffer)
            threading.Thread(target=self._handle, args=(conn, buffer), daemon=True).start()

    def _handle(self, conn: socket.socket, buffer: bytearray) -> None:
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                buffer.extend(data)
                if data.endswith(b"\n"):
                    conn.sendall(f"ok:{len(buffer)}\n".encode())
        self.closed.set()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture
def proxy(upstream: Upstream) -> Iterator[NetProxy]:
    with NetProxy(upstream.address) as net:
        yield net


def connect(proxy: NetProxy) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=5)


def ask(sock: socket.socket, data: bytes) -> bytes:
    sock.sendall(data)
    return sock.recv(100)


def dropped(sock: socket.socket) -> bool:
    """True when the connection is gone: reset, closed, or refusing to carry data."""
    try:
        sock.sendall(b"anyone there?\n")
        return sock.recv(100) == b""
    except OSError:
        return True


def refused(proxy: NetProxy) -> bool:
    """True when a new connection is reset, at once or at its first use."""
    try:
        sock = connect(proxy)
    except OSError:
        return True
    with sock:
        return dropped(sock)


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_it_forwards_both_ways(proxy, upstream):
    with connect(proxy) as sock:
        assert ask(sock, b"hello\n") == b"ok:6\n"
        assert ask(sock, b"again\n") == b"ok:12\n"
    assert bytes(upstream.received[0]) == b"hello\nagain\n"
    assert proxy.bytes_up == 12
    assert proxy.bytes_down == len(b"ok:6\nok:12\n")


def test_cut_drops_open_connections_and_refuses_new_ones_until_restored(proxy, upstream):
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(connect(proxy))
        second = stack.enter_context(connect(proxy))
        assert ask(first, b"a\n") == b"ok:2\n"
        assert ask(second, b"b\n") == b"ok:2\n"
        proxy.cut()
        assert proxy.is_cut
        assert dropped(first)
        assert dropped(second)
        assert refused(proxy)
        assert len(upstream.received) == 2  # the late one never reached the server
    proxy.restore()
    with connect(proxy) as sock:
        assert ask(sock, b"back\n") == b"ok:5\n"
    assert proxy.cuts == 1


def test_cut_after_a_budget_lets_exactly_that_many_bytes_through(proxy, upstream):
    proxy.cut_after(10)
    with connect(proxy) as sock:
        sock.sendall(b"0123456789abcdef\n")
        assert wait_until(lambda: proxy.is_cut)
        assert dropped(sock)
    assert wait_until(lambda: upstream.closed.is_set())
    assert bytes(upstream.received[0]) == b"0123456789"


def test_cut_after_counts_from_the_nth_marker_even_split_across_reads(proxy, upstream):
    proxy.cut_after(8, after=b"PATCH ", occurrence=2)
    with connect(proxy) as sock:
        assert ask(sock, b"HEAD /a\n") == b"ok:8\n"
        assert ask(sock, b"PATCH /a 0123456789\n") == b"ok:28\n"  # the first PATCH: whole
        sock.sendall(b"HEAD /b\nPAT")
        time.sleep(0.2)  # the marker arrives in two reads
        sock.sendall(b"CH /b 0123456789\n")
        assert wait_until(lambda: proxy.is_cut)
        assert dropped(sock)
    assert wait_until(lambda: upstream.closed.is_set())
    sent = bytes(upstream.received[0])
    assert sent.startswith(b"HEAD /a\nPATCH /a 0123456789\nHEAD /b\nPAT")
    # From the second marker's start (split: counted from where the second read began), the
    # budget of 8 bytes went up and nothing more.
    assert sent.endswith(b"CH /b 01")
    proxy.restore()
    with connect(proxy) as sock:
        assert ask(sock, b"PATCH /c 0123456789\n") == b"ok:20\n"  # the trigger fired once


def test_a_bad_trigger_is_refused(proxy):
    with pytest.raises(ValueError, match="occurrence"):
        proxy.cut_after(10, after=b"x", occurrence=0)


def test_lose_answer_delivers_the_request_whole_and_drops_what_comes_back(proxy, upstream):
    proxy.lose_answer(after=b"POST /declare")
    with connect(proxy) as sock:
        assert ask(sock, b"GET /before\n") == b"ok:12\n"  # other requests are answered
        sock.sendall(b"POST /declare {body}\n")
        assert wait_until(lambda: proxy.is_cut)
        assert dropped(sock)
    assert bytes(upstream.received[0]) == b"GET /before\nPOST /declare {body}\n"
    proxy.restore()
    with connect(proxy) as sock:
        assert ask(sock, b"POST /declare again\n") == b"ok:20\n"  # once only


def test_refuse_resets_only_what_sends_the_marker_until_restored(proxy, upstream):
    proxy.refuse(b" /api/")
    with connect(proxy) as sock:
        assert ask(sock, b"GET /app/sw.js\n") == b"ok:15\n"
        assert dropped_by(sock, b"GET /api/v1/me\n")
    with connect(proxy) as sock:
        assert dropped_by(sock, b"PATCH /api/v1/uploads/1\n")
    assert b"/api/" not in b"".join(upstream.received)  # none of it reached the server
    assert not proxy.is_cut
    proxy.restore()
    with connect(proxy) as sock:
        assert ask(sock, b"GET /api/v1/me\n") == b"ok:15\n"


def dropped_by(sock: socket.socket, data: bytes) -> bool:
    """True when sending `data` gets the connection reset or closed, with no answer."""
    try:
        sock.sendall(data)
        return sock.recv(100) == b""
    except OSError:
        return True
