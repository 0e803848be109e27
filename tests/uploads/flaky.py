"""A tus client over raw sockets that loses its connection at random points, as a phone
does in a basement shop: mid-headers, mid-body, or after sending with the answer lost."""

from __future__ import annotations

import random
import socket
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

CUTS = ("none", "in_headers", "in_body", "answer_lost")
WEIGHTS = (3, 1, 5, 1)
CHUNKS = (16 * 1024, 100 * 1024, 1 << 30)  # the last: whatever is left, in one go


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class FlakyTus:
    base_url: str  # http://host:port
    token: str
    rng: random.Random
    cuts: Counter[str] = field(default_factory=Counter)
    answers: Counter[int] = field(default_factory=Counter)

    def _send(self, raw: bytes, cut_at: int | None, read: bool) -> Answer | None:
        parts = urlsplit(self.base_url)
        with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
            if cut_at is not None:
                sock.sendall(raw[:cut_at])
                if self.rng.random() < 0.5:  # a reset rather than an orderly close
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return None
            sock.sendall(raw)
            if not read:
                return None
            received = b""
            while data := sock.recv(65536):
                received += data
        head, _, body = received.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        return Answer(int(status_line.split()[1]), headers, body)

    def _request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> bytes:
        host = urlsplit(self.base_url).netloc
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        lines += [f"Authorization: Bearer {self.token}", "Tus-Resumable: 1.0.0"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    def offset(self, path: str) -> int:
        answer = self._send(self._request("HEAD", path, {}), None, True)
        assert answer is not None
        assert answer.status == 200, answer
        return int(answer.headers["upload-offset"])

    def upload(self, path: str, data: bytes) -> None:
        """Send `data` to the upload at `path` until the server has every byte."""
        offset = self.offset(path)
        while offset < len(data):
            chunk = data[offset : offset + self.rng.choice(CHUNKS)]
            raw = self._request(
                "PATCH",
                path,
                {
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(len(chunk)),
                    "Upload-Offset": str(offset),
                },
                chunk,
            )
            body_at = len(raw) - len(chunk)
            cut = self.rng.choices(CUTS, WEIGHTS)[0]
            self.cuts[cut] += 1
            cut_at = {
                "in_headers": self.rng.randrange(1, body_at),
                "in_body": body_at + self.rng.randrange(0, len(chunk)),
            }.get(cut)
            answer = self._send(raw, cut_at, read=cut != "answer_lost")
            if answer is None:
                time.sleep(self.rng.random() * 0.05)
                offset = self.offset(path)  # what did the server keep?
                continue
            self.answers[answer.status] += 1
            if answer.status == 204:
                offset = int(answer.headers["upload-offset"])
            elif answer.status in (409, 423):  # a cut request of ours still being written
                time.sleep(0.1)
                offset = self.offset(path)
            else:
                raise AssertionError(f"PATCH answered {answer.status}: {answer.body!r}")
