"""A loopback TCP proxy the test controls: the network between a browser and the live server,
cut and restored at will, or cut once a given number of bytes have gone up.

DevTools' offline mode does not cover a service worker's fetches; a proxy in front of the
server cuts every path alike. `cut()` resets every open connection and resets each new one
at once (the phone sees a network error, not an HTTP answer); `restore()` lets them through
again. `cut_after(n, after=marker, occurrence=k)` cuts when `n` bytes have gone upstream
from the k-th time `marker` was sent (e.g. the second `PATCH `), whichever connection sent it.
`refuse(marker)` resets only the connections that send `marker`.
`lose_answer(after=marker)` lets a request whose bytes hold `marker` reach the server whole
and cuts the network as the answer starts back: the phone never learns what happened.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass

_BUFFER = 64 * 1024
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends RST, not FIN


@dataclass
class _Trigger:
    """Cut once `budget` bytes went up from the `occurrence`-th `marker`."""

    budget: int
    marker: bytes
    occurrence: int
    seen: int = 0
    counting: bool = False


class NetProxy:
    """Forward 127.0.0.1:<port> to `upstream`, until told otherwise."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._is_cut = False
        self._closed = False
        self._trigger: _Trigger | None = None
        self._answer_marker: bytes | None = None
        self._losing: set[socket.socket] = set()  # connections whose answer is to be lost
        self._refused: bytes | None = None
        self.bytes_up = 0  # client to server, since the start
        self.bytes_down = 0
        self.cuts = 0  # how many times the network was cut
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_cut(self) -> bool:
        return self._is_cut

    def cut(self) -> None:
        """Reset every open connection; new ones are reset as soon as they are accepted."""
        with self._lock:
            self._is_cut = True
            self._trigger = None
            self._answer_marker = None
            self._losing = set()
            self.cuts += 1
            doomed, self._open = self._open, set()
        for sock in doomed:
            _reset(sock)

    def restore(self) -> None:
        """Let connections through again (those `refuse` named, too)."""
        with self._lock:
            self._is_cut = False
            self._refused = None

    def refuse(self, marker: bytes) -> None:
        """Reset every connection that sends `marker` (e.g. b" /api/"), before the bytes go
        up, until `restore()`; the rest goes through: a network half down."""
        with self._lock:
            self._refused = marker

    def cut_after(self, nbytes: int, *, after: bytes = b"", occurrence: int = 1) -> None:
        """Cut once `nbytes` have gone upstream counted from the `occurrence`-th `after`
        (from now when `after` is empty); the bytes past the budget never reach the server."""
        if nbytes < 0 or occurrence < 1:
            raise ValueError("nbytes must be >= 0 and occurrence >= 1")
        with self._lock:
            self._trigger = _Trigger(nbytes, after, occurrence, counting=not after)

    def lose_answer(self, *, after: bytes) -> None:
        """Cut the network when the server answers the next request that sent `after`."""
        if not after:
            raise ValueError("after must name what the request sends")
        with self._lock:
            self._answer_marker = after

    def close(self) -> None:
        """Stop listening and drop everything."""
        self._closed = True
        self.cut()
        _reset(self._listener)
        self._accepting.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> NetProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self._is_cut or self._closed:
                _reset(client)
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                _reset(client)
                continue
            server.settimeout(None)
            with self._lock:
                if self._is_cut:
                    _reset(client)
                    _reset(server)
                    continue
                self._open |= {client, server}
            thread = threading.Thread(target=self._pump, args=(client, server), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        """Copy both ways until either side closes or the network is cut."""
        tail = b""  # the end of what went up, so that a marker split across reads is found
        try:
            while True:
                readable, _, _ = select.select([client, server], [], [], 0.5)
                if self._is_cut and not ({client, server} & self._open):
                    return
                for sock in readable:
                    data = sock.recv(_BUFFER)
                    if not data:
                        return
                    if sock is client:
                        refused = self._refused
                        if refused is not None and refused in tail + data:
                            _reset(client)
                            _reset(server)
                            return
                        self._watch_answer(client, tail + data)
                        data, tail, cut = self._going_up(data, tail)
                        if data:
                            self.bytes_up += len(data)
                            server.sendall(data)
                        if cut:
                            self.cut()
                            return
                    elif client in self._losing:
                        self.cut()
                        return
                    else:
                        self.bytes_down += len(data)
                        client.sendall(data)
        except (OSError, ValueError):  # a socket reset or closed under us by cut()
            return
        finally:
            with self._lock:
                self._open -= {client, server}
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.close()

    def _watch_answer(self, client: socket.socket, sent: bytes) -> None:
        with self._lock:
            if self._answer_marker is not None and self._answer_marker in sent:
                self._answer_marker = None
                self._losing.add(client)

    def _going_up(self, data: bytes, tail: bytes) -> tuple[bytes, bytes, bool]:
        """What of `data` may go up, the new tail, and whether the network is cut after it."""
        with self._lock:
            trigger = self._trigger
            if trigger is None:
                return data, b"", False
            start = 0
            if not trigger.counting:
                start = _find_nth(tail, data, trigger)
                if start < 0:
                    keep = max(len(trigger.marker) - 1, 0)
                    return data, (tail + data)[-keep:] if keep else b"", False
                trigger.counting = True
            if len(data) - start < trigger.budget:
                trigger.budget -= len(data) - start
                return data, b"", False
            self._trigger = None
            return data[: start + trigger.budget], b"", True


def _find_nth(tail: bytes, data: bytes, trigger: _Trigger) -> int:
    """Where in `data` the `occurrence`-th marker starts (counting earlier ones), or -1."""
    joined, at = tail + data, 0
    while (found := joined.find(trigger.marker, at)) >= 0:
        at = found + 1
        if found + len(trigger.marker) <= len(tail):
            continue  # wholly in the tail: counted with the previous read
        trigger.seen += 1
        if trigger.seen == trigger.occurrence:
            return max(found - len(tail), 0)
    return -1


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def netproxy(base_url: str) -> Iterator[NetProxy]:
    """A proxy in front of the server at `base_url` (http://host:port)."""
    host, _, port = base_url.removeprefix("http://").rstrip("/").partition(":")
    with NetProxy((host, int(port))) as proxy:
        yield proxy
