"""Resumable uploads across API nodes: with photos in a bucket, a chunk may land on any node.

Two apps, each with its own empty var folder, share one PostgreSQL database and one bucket;
the phone's chunks alternate between them, as a load balancer would send them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import boto3
import pytest

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
