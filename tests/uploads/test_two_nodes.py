"""Resumable uploads across API nodes: with photos in a bucket, a chunk may land on any node.

Two apps, each with its own empty var folder, share one PostgreSQL database and one bucket;
the phone's chunks alternate between them, as a load balancer would send them.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import boto3
import pytest
from flask import has_request_context

from backend import create_app
from backend.submissions.models import Submission
from tests.support.photos import jpeg, shelf
from tests.support.tus import Tus, declaration

PHOTO = jpeg(shelf(seed=7))


@pytest.fixture
def two_nodes(app_config, s3_settings, backend_name, tmp_path):
    """Node A is the test's `app` (its var folder the test's), node B a second app."""
    if backend_name == "sqlite":
        pytest.skip("several nodes share a PostgreSQL database, not a SQLite file")
    app_config.update(s3_settings)
    other = create_app({**app_config, "VAR_DIR": str(tmp_path / "node-b" / "var")})
    yield other
    other.extensions["fairfield.db"].engine.dispose()


def files_in(folder: str) -> list[str]:
    return sorted(str(p) for p in Path(folder).rglob("*") if p.is_file())


def bucket_object(settings: dict[str, str], key: str) -> bytes:
    client = boto3.client("s3", endpoint_url=settings["S3_ENDPOINT_URL"])
    return client.get_object(Bucket=settings["S3_BUCKET"], Key=key)["Body"].read()


def test_chunks_alternating_between_two_nodes_make_one_photo_in_the_bucket(
    two_nodes, app, db, claim, s3_settings
):
    claimed = claim()
    node_a = Tus(app.test_client(), claimed.headers)
    node_b = Tus(two_nodes.test_client(), claimed.headers)
    declared = node_a.declare(claimed.assignment_id, declaration([PHOTO]))
    assert declared.status_code == 201, declared.json
    url = declared.json["uploads"][0]["url"]

    offset, step, turn = 0, len(PHOTO) // 5 + 1, 0
    while offset < len(PHOTO):
        node = (node_a, node_b)[turn % 2]
        chunk = PHOTO[offset : offset + step]
        # The same chunk sent again, to the other node: the upload is past it.
        if turn == 1:
            again = node_a.patch(url, offset - step, PHOTO[offset - step : offset])
            assert again.status_code == 409, again.json
            assert again.json["offset"] == offset
        response = node.patch(url, offset, chunk)
        assert response.status_code == 204, response.json
        offset = int(response.headers["Upload-Offset"])
        assert node_a.head(url).headers["Upload-Offset"] == str(offset)
        assert node_b.head(url).headers["Upload-Offset"] == str(offset)
        turn += 1

    digest = hashlib.sha256(PHOTO).hexdigest()
    with db.transaction(write=False) as session:
        assert session.get_one(Submission, declared.json["submission_id"]).status == "received"
    assert bucket_object(s3_settings, f"{digest[:2]}/{digest[2:4]}/{digest}") == PHOTO
    # Every piece was joined and deleted; neither node kept a file of the photo.
    assert files_in(app.config["PHOTO_DIR"]) == []
    assert files_in(two_nodes.config["PHOTO_DIR"]) == []
    # Either node shows it.
    shown = node_b.client.get(
        f"/api/v1/submissions/{declared.json['submission_id']}", headers=claimed.headers
    )
    assert shown.json["photos"][0]["sha256"] == digest


class ArrivingSlowly(io.BytesIO):
    """A request body that, once its first bytes are in, lets `meanwhile` run: the same chunk
    sent again to the other node while this one is still arriving."""

    def __init__(self, data: bytes, meanwhile) -> None:
        super().__init__(data)
        self.meanwhile = meanwhile

    def _arrived(self) -> None:
        if self.meanwhile is not None and self.tell() > 0:
            run, self.meanwhile = self.meanwhile, None
            run()

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(4096 if size is None or size < 0 else min(size, 4096))
        self._arrived()
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def test_one_chunk_sent_to_both_nodes_at_once_is_appended_once(two_nodes, app, claim):
    claimed = claim()
    node_a = Tus(app.test_client(), claimed.headers)
    node_b = Tus(two_nodes.test_client(), claimed.headers)
    declared = node_a.declare(claimed.assignment_id, declaration([PHOTO]))
    url, first = declared.json["uploads"][0]["url"], PHOTO[:20_000]
    answers = {}

    def on_node_b() -> None:
        answers["inside_a"] = has_request_context()  # node A is reading its chunk
        answers["b"] = node_b.patch(url, 0, first)

    headers = claimed.headers | {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(len(first)),
    }
    answers["a"] = app.test_client().patch(
        url, input_stream=ArrivingSlowly(first, on_node_b), headers=headers
    )
    # Node B's copy went in while node A's was arriving; node A's is refused with the offset.
    assert answers["inside_a"]
    assert answers["b"].status_code == 204
    assert (answers["a"].status_code, answers["a"].json["code"]) == (409, "offset_mismatch")
    assert answers["a"].json["offset"] == len(first)
    assert node_a.head(url).headers["Upload-Offset"] == str(len(first))
    node_a.send(url, PHOTO)
    digest = hashlib.sha256(PHOTO).hexdigest()
    with app.app_context():
        from backend.storage import photo_store

        with photo_store().open(digest) as stored:
            assert stored.read() == PHOTO
