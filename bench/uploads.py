"""Resumable (tus 1.0.0) photo uploads over HTTP to gunicorn, beside the multipart POST."""

from __future__ import annotations

import functools
import hashlib
import http.client
import json
import os
import socket
import statistics
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from backend.accounts.models import Brand
from backend.db import Database
from backend.kernel.ids import new_id
from backend.submissions.models import Submission
from bench import validate
from bench.common import bench_app
from tests.support.load import bulk_workers, gunicorn, post
from tests.support.submitting import BRUSSELS, SKUS, honest_payload, multipart
from tests.support.tables import empty_tables
from tests.support.world import build

CHUNK, WARM, RECONNECT_S = 256 * 1024, 2, 0.1
TUS, OCTETS = {"Tus-Resumable": "1.0.0"}, {"Content-Type": "application/offset+octet-stream"}
Samples = dict[str, list[float]]


@functools.cache
def _photo() -> bytes:
    """One 12 MP phone JPEG; the same bytes serve every upload, as no validation runs."""
    return validate.phone_jpeg(validate.shelf_pixels(100), datetime.now(UTC), BRUSSELS)


class _Refused(Exception):
    """A PATCH answered 409 (the upload is at another offset) or 423 (another is writing)."""


@dataclass
class _Phone:
    """A worker's side of the API over one http.client connection to gunicorn."""

    conn: http.client.HTTPConnection
    token: str

    def call(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[float, http.client.HTTPResponse, bytes]:
        """(seconds from sending to the whole answer, the response, its body)."""
        headers = {"Authorization": f"Bearer {self.token}"} | (headers or {})
        # gunicorn's sync workers close the connection after each answer: http.client then
        # reconnects, so every timing includes a TCP connect on the loopback.
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
            answer = response.read()
        except ConnectionError:
            self.conn.close()  # so that the next request starts on a fresh connection
            raise
        return time.perf_counter() - start, response, answer

    def offset(self, path: str) -> int:
        """How many of the upload's bytes the server has (tus HEAD)."""
        _, response, answer = self.call("HEAD", path, headers=TUS)
        assert response.status == 200, (response.status, answer)
        return int(response.headers["Upload-Offset"])

    def patch(self, path: str, offset: int, data: bytes) -> tuple[float, int]:
        """PATCH `data` at `offset`; (seconds, the new Upload-Offset)."""
        headers = TUS | OCTETS | {"Upload-Offset": str(offset)}
        seconds, response, answer = self.call("PATCH", path, data, headers)
        if response.status in (409, 423):
            raise _Refused(response.status)
        assert response.status == 204, (response.status, answer)
        return seconds, int(response.headers["Upload-Offset"])

    def declare(self, assignment_id: str, photo: bytes) -> tuple[float, str]:
        """Declare a one-photo resumable submission; (seconds, the upload's path)."""
        photos = [{"size": len(photo), "sha256": hashlib.sha256(photo).hexdigest()}]
        body = json.dumps({"payload": honest_payload(), "photos": photos}).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": new_id()}
        path = f"/api/v1/assignments/{assignment_id}/resumable-submission"
        seconds, response, answer = self.call("POST", path, body, headers)
        assert response.status == 201, (response.status, answer)
        return seconds, json.loads(answer)["uploads"][0]["url"]


def _multipart(phone: _Phone, assignment_id: str, photo: bytes) -> Samples:
    """The classic submission: payload and photo in one multipart POST."""
    body, content_type = multipart(json.dumps(honest_payload()), [photo])
    headers = {"Content-Type": content_type, "Idempotency-Key": new_id()}
    path = f"/api/v1/assignments/{assignment_id}/submission"
    seconds, response, answer = phone.call("POST", path, body, headers)
    assert response.status == 202, (response.status, answer)
    return {"multipart": [seconds]}


def _one_patch(phone: _Phone, assignment_id: str, photo: bytes) -> Samples:
    """Declare, then the whole photo in one PATCH."""
    declared, path = phone.declare(assignment_id, photo)
    seconds, offset = phone.patch(path, 0, photo)
    assert offset == len(photo)
    return {"declare": [declared], "one_patch": [seconds]}


def _chunks(phone: _Phone, assignment_id: str, photo: bytes) -> Samples:
    """Declare, then the photo in 256 KiB PATCHes, one after the other."""
    declared, path = phone.declare(assignment_id, photo)
    pieces = [photo[at : at + CHUNK] for at in range(0, len(photo), CHUNK)]
    start, offset, times = time.perf_counter(), 0, []
    for piece in pieces:
        seconds, offset = phone.patch(path, offset, piece)
        times.append(seconds)
    total = time.perf_counter() - start
    assert offset == len(photo)
    return {"declare": [declared], "chunks_total": [total], "chunk": times[:-1], "last": times[-1:]}


def _cut(phone: _Phone, path: str, photo: bytes, keep: int) -> None:
    """PATCH the whole photo's Content-Length but send only `keep` bytes, then drop the socket."""
    address = (phone.conn.host, phone.conn.port)
    headers = {"Host": phone.conn.host, "Authorization": f"Bearer {phone.token}"} | TUS | OCTETS
    headers |= {"Upload-Offset": "0", "Content-Length": str(len(photo))}
    lines = [f"PATCH {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    with socket.create_connection(address, timeout=60) as sock:
        # An orderly close, without reading the answer: every byte sent reaches the server,
        # which must keep them though the body ends short of its Content-Length.
        sock.sendall("\r\n".join(lines).encode() + photo[:keep])


def _send_rest(phone: _Phone, path: str, photo: bytes) -> tuple[int, int]:
    """HEAD, then PATCH from the server's offset until all is in; (bytes sent, refusals)."""
    sent = refused = 0
    offset = phone.offset(path)
    while offset < len(photo):
        sent += len(photo) - offset
        try:
            _, offset = phone.patch(path, offset, photo[offset:])
        except (ConnectionError, _Refused):
            # The cut request may still be writing (423, or 409 once its bytes are in; the
            # server may reset a body it does not read): ask where the upload stands.
            refused += 1
            time.sleep(0.05)
            offset = phone.offset(path)
    return sent, refused


def _resume(phone: _Phone, assignment_id: str, photo: bytes) -> Samples:
    """Declare, send half the photo and lose the connection; then HEAD and PATCH the rest."""
    declared, path = phone.declare(assignment_id, photo)
    cut = len(photo) // 2
    _cut(phone, path, photo, cut)
    # A phone takes far longer to find the network again. Asking sooner than the server has
    # begun the cut request, it would learn an early offset and send bytes twice (409).
    time.sleep(RECONNECT_S)
    start = time.perf_counter()
    sent, refused = _send_rest(phone, path, photo)
    seconds = time.perf_counter() - start
    # Every byte past the photo's size went twice: lost at the cut, or in a refused PATCH.
    resent = float(cut + sent - len(photo))
    return {"declare": [declared], "resent": [resent], "refused": [refused], "resume": [seconds]}


SCENARIOS = (_multipart, _one_patch, _chunks, _resume)


def _ms(samples: list[float]) -> dict[str, float]:
    """Median, 95th percentile and worst, in milliseconds."""
    ordered = sorted(samples) or [float("nan")]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "n": len(samples),
    }


def _claims(db: Database, base: str, n: int) -> list[tuple[str, str]]:
    """n fresh workers, each having claimed a fresh mission: (token, assignment id)."""
    with db.transaction() as session:
        brand = Brand(name=f"Uploads {new_id()[:8]}")
        session.add(brand)
    _campaign, missions = build(db, brand.id, [BRUSSELS] * n, skus=SKUS)
    claimed = []
    for token, mission in zip(bulk_workers(db, n), missions, strict=True):
        status, body = post(f"{base}/missions/{mission}/claim", token)
        assert status == 201, body
        claimed.append((token, body["assignment_id"]))
    return claimed


def _measure(db: Database, base: str, photos: int) -> Samples:
    """Every scenario in turn, `WARM` rounds unmeasured first (both gunicorn workers' pools)."""
    photo, samples = _photo(), defaultdict[str, list[float]](list)
    claimed = iter(_claims(db, base, (WARM + photos) * len(SCENARIOS)))
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        for round_ in range(WARM + photos):
            for scenario in SCENARIOS:
                token, assignment_id = next(claimed)
                result = scenario(_Phone(conn, token), assignment_id, photo)
                if round_ >= WARM:
                    for key, values in result.items():
                        samples[key] += values
    finally:
        conn.close()
    return samples


def run(url: str, broker: str, var: str, photos: int) -> dict[str, Any]:
    """`photos` one-photo submissions per way of uploading, through gunicorn; their timings."""
    app = bench_app(url, broker, var)
    db = app.extensions["fairfield.db"]
    # No Celery worker runs: validation stays queued in the outbox table, off the broker.
    config = {
        "DATABASE_URL": url,
        "BROKER_URL": broker,
        "VAR_DIR": var,
        "RATELIMIT_ENABLED": False,
        "OUTBOX_RELAY_ON_COMMIT": False,
    }
    log = Path(var) / f"gunicorn-uploads-{new_id()[:8]}.log"
    workers = os.cpu_count() or 2
    try:
        with gunicorn(config, log, workers) as base:
            samples = _measure(db, base, photos)
        # Every submission, warm ones too, should be `received`: its photo whole and stored.
        with db.transaction(write=False) as session:
            query = select(Submission.status, func.count()).group_by(Submission.status)
            statuses = dict(session.execute(query).all())
    finally:
        empty_tables(db)
        db.engine.dispose()
    return {
        "gunicorn_workers": workers,
        "submissions_per_way": photos,
        "photo_bytes": len(_photo()),
        "multipart_upload": _ms(samples["multipart"]),
        "resumable_declare": _ms(samples["declare"]),
        "resumable_one_patch": _ms(samples["one_patch"]),
        "resumable_256k_chunks": {
            "total": _ms(samples["chunks_total"]),
            "per_patch_not_last": _ms(samples["chunk"]),
            "last_patch": _ms(samples["last"]),
        },
        "resume_after_cut": {
            "cut_at_bytes": len(_photo()) // 2,
            "bytes_resent_beyond_cut": int(sum(samples["resent"])),
            "patches_refused": int(sum(samples["refused"])),
            "head_to_complete": _ms(samples["resume"]),
        },
        "statuses": statuses,
        "traceback_in_log": "Traceback" in log.read_text(errors="replace"),
    }
