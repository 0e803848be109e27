"""A real webhook receiver for tests: an HTTP(S) server on this machine's loopback that
records every request and answers as a test tells it (fail a message's first tries, etc.)."""

from __future__ import annotations

import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Received:
    """One request as the receiver read it; `at` its time.time() of arrival."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float


# (the request so far, how many times this webhook-id came before) -> the status to answer
Answer = Callable[[Received, int], int]


def always(status: int) -> Answer:
    """Answer every request with `status`."""
    return lambda _request, _seen: status


def fail_first(times: int, status: int = 503) -> Answer:
    """Fail each message's first `times` attempts with `status`, then accept it (204)."""
    return lambda _request, seen: status if seen < times else 204


@dataclass
class Receiver:
    """The server's base URL and what it received, safe to read from the test's thread."""

    url: str
    answer: Answer
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    extra_headers: dict[str, str] = field(default_factory=dict)
    body_bytes: int = 0

    def seen(self, message_id: str) -> int:
        with self.lock:
            return sum(1 for r in self.received if r.headers.get("webhook-id") == message_id)

    def requests(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def accepted(self) -> list[Received]:
        """The requests answered 2xx."""
        return [r for r in self.requests() if 200 <= r.status < 300]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            request = Received(self.path, headers, body, 0, time.time())
            request.status = receiver.answer(request, receiver.seen(headers.get("webhook-id", "")))
            with receiver.lock:
                receiver.received.append(request)
            payload = b"x" * receiver.body_bytes
            self.send_response(request.status)
            for name, value in receiver.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet

    return Handler


@contextmanager
def receiver(answer: Answer, *, tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 and a free port (https when given a server context)."""
    state = Receiver(url="", answer=answer)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    state.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def self_signed(folder: Path, host: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A certificate for `host` made by openssl: (the server's context, a client context
    that trusts it alone)."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
            "-days", "1", "-subj", f"/CN={host}", "-addext", f"subjectAltName=DNS:{host}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client
