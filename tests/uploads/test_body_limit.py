"""FAIRFIELD_MAX_BODY_BYTES holds whatever the framing: a body that runs one byte past it is
refused whole with 413 and nothing is written, sent with Content-Length or chunked, as JSON,
multipart or a tus PATCH. Chunked bodies go over a raw socket to gunicorn, as a client sends
them; no prefix of them is ever processed."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from backend.missions.models import Assignment
from backend.stores.models import Store
from backend.submissions.models import Submission
from tests.support.factories import UserFactory
from tests.support.load import gunicorn as serve
from tests.support.photos import jpeg, shelf
from tests.support.submitting import honest_payload, multipart
from tests.support.tus import declaration

LIMIT = 64 * 1024
PAST = 256 * 1024  # what follows the valid prefix
SMALL_PHOTO = jpeg(shelf(width=320, height=240, seed=7))


@pytest.fixture(autouse=True)
def _small_limit(app_config: dict[str, Any]) -> None:
    app_config["MAX_BODY_BYTES"] = LIMIT


@pytest.fixture
def server(app_config: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """One gunicorn worker on the test's database and settings; its origin."""
    with serve(app_config, tmp_path / "gunicorn.log", workers=1) as base:
        yield base.removesuffix("/api/v1")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def chunked(
    origin: str, method: str, path: str, headers: dict[str, str], body: bytes, chunk: int = 8192
) -> Answer:
    """Send `body` with Transfer-Encoding: chunked (no Content-Length) over a raw socket.

    The body goes out from a thread while the answer is read, as the server may answer (and
    stop reading) before the last chunk: its refusal must still be seen."""
    parts = urlsplit(origin)
    head = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head += ["Transfer-Encoding: chunked"]
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:

        def send() -> None:
            with contextlib.suppress(OSError):  # the server may close once it has answered
                sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
                for start in range(0, len(body), chunk):
                    piece = body[start : start + chunk]
                    sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sock.sendall(b"0\r\n\r\n")

        sender = threading.Thread(target=send)
        sender.start()
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while data := sock.recv(65536):
                received += data
        sender.join(60)
    head_bytes, _, rest = received.partition(b"\r\n\r\n")
    status_line, *lines = head_bytes.decode("latin-1").split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    if fields.get("transfer-encoding") == "chunked":
        rest = _dechunk(rest)
    return Answer(int(status_line.split()[1]), fields, rest)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2 :]
    return out


def padded(prefix: bytes, filler: bytes = b" ") -> bytes:
    """`prefix` padded to exactly LIMIT bytes, then PAST more: everything up to the limit is a
    valid request on its own."""
    assert len(prefix) <= LIMIT
    return prefix + filler * (LIMIT - len(prefix)) + filler * PAST


def count(db: Any, column: Any) -> int:
    with db.transaction(write=False) as session:
        return int(session.scalar(select(func.count(column))) or 0)


def assert_too_large(answer: Answer) -> None:
    assert answer.status == 413, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json["code"] == "payload_too_large"


@pytest.fixture
def brand_headers(make: Any, auth_headers: Callable[..., dict[str, str]]) -> dict[str, str]:
    return auth_headers(make(UserFactory, brand_user=True))


STORE = {"name": "Cut short", "latitude": 50.84, "longitude": 4.35}


def test_a_chunked_json_body_past_the_limit_is_refused_and_creates_nothing(
    server: str, db: Any, brand_headers: dict[str, str]
) -> None:
    json_headers = brand_headers | {"Content-Type": "application/json"}
    body = padded(json.dumps(STORE).encode())
    assert json.loads(body[:LIMIT]) == STORE  # the prefix alone is a valid store

    assert_too_large(chunked(server, "POST", "/api/v1/stores", json_headers, body))
    assert count(db, Store.id) == 0

    # Within the limit a chunked body is read whole, like one with Content-Length.
    fits = body[:LIMIT]
    answer = chunked(server, "POST", "/api/v1/stores", json_headers, fits)
    assert (answer.status, answer.json["name"]) == (201, "Cut short")
    assert count(db, Store.id) == 1


def test_a_chunked_multipart_submission_past_the_limit_is_refused_and_stores_nothing(
    server: str, db: Any, app: Any, claim: Callable[..., Any]
) -> None:
    claimed = claim()
    form, content_type = multipart(json.dumps(honest_payload()), [SMALL_PHOTO])
    body = padded(form, b"x")  # the epilogue after the closing boundary is ignored
    path = f"/api/v1/assignments/{claimed.assignment_id}/submission"
    headers = claimed.headers | {"Content-Type": content_type}

    assert_too_large(chunked(server, "POST", path, headers, body))
    assert count(db, Submission.id) == 0
    with db.transaction(write=False) as session:
        assert session.get(Assignment, claimed.assignment_id).status == "active"
    photo_dir = Path(app.config["PHOTO_DIR"])
    assert [p for p in photo_dir.rglob("*") if p.is_file()] == []

    answer = chunked(server, "POST", path, headers, body[:LIMIT])
    assert answer.status == 202, answer
    assert count(db, Submission.id) == 1


def test_a_chunked_tus_patch_past_the_limit_is_refused_and_appends_nothing(
    server: str, client: Any, claim: Callable[..., Any]
) -> None:
    claimed = claim()
    photo = SMALL_PHOTO + b"\0" * (LIMIT + PAST - len(SMALL_PHOTO))  # one upload, longer than
    declared = client.post(  # the body limit, sent in PATCHes that each fit
        f"/api/v1/assignments/{claimed.assignment_id}/resumable-submission",
        json=declaration([photo]),
        headers=claimed.headers,
    )
    assert declared.status_code == 201, declared.json
    url = declared.json["uploads"][0]["url"]
    tus = claimed.headers | {
        "Tus-Resumable": "1.0.0",
        "Content-Type": "application/offset+octet-stream",
        "Upload-Offset": "0",
    }

    assert_too_large(chunked(server, "PATCH", url, tus, photo))
    assert client.head(url, headers=claimed.headers | tus).headers["Upload-Offset"] == "0"

    answer = chunked(server, "PATCH", url, tus, photo[:LIMIT])
    assert (answer.status, answer.headers["upload-offset"]) == (204, str(LIMIT))


def test_a_body_past_the_limit_is_refused_where_the_view_reads_none(
    client: Any, db: Any, claim: Callable[..., Any]
) -> None:
    """Releasing takes no body; one sent past the limit still stops the request."""
    claimed = claim()
    path = f"/api/v1/assignments/{claimed.assignment_id}/release"
    response = client.post(path, headers=claimed.headers, data=b"x" * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json["code"] == "payload_too_large"
    with db.transaction(write=False) as session:
        assert session.get(Assignment, claimed.assignment_id).status == "active"


class _CutStream(io.RawIOBase):
    """A chunked body whose connection drops after `data`, as a phone's in a lift."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self.data:
            raise OSError("connection reset by peer")
        out, self.data = self.data[:size], self.data[size:]
        return out


def test_a_chunked_body_cut_short_is_never_taken_for_a_whole_one(
    app: Any, db: Any, brand_headers: dict[str, str]
) -> None:
    environ = EnvironBuilder(
        path="/api/v1/stores",
        method="POST",
        headers=brand_headers | {"Content-Type": "application/json"},
    ).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    # A server that de-chunks bodies itself, and a body that is valid so far.
    environ |= {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
    environ["wsgi.input"] = _CutStream(json.dumps(STORE).encode())
    with Response.from_app(app, environ) as response:
        assert response.status_code == 400
        assert response.content_type == "application/problem+json"
    assert count(db, Store.id) == 0
