"""`fairfield photos copy-to-s3`: a local photo folder into a bucket, checked and resumable."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest

from backend.storage import LocalPhotoStore
from backend.storage.s3 import S3PhotoStore
from backend.storage.to_bucket import copy_to_bucket
from tests.support.photos import jpeg, shelf


class Killed(Exception):
    """The copying process died."""


class CutAfter:
    """A boto3 client whose process dies after `puts` objects went up."""

    def __init__(self, client: Any, puts: int) -> None:
        self.client, self.puts = client, puts

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def put_object(self, **kwargs: Any) -> Any:
        if self.puts == 0:
            raise Killed()
        self.puts -= 1
        return self.client.put_object(**kwargs)


@pytest.fixture
def bucket(app_config, s3_settings):
    """The app keeps its photos in its folder; the bucket they are to move to is set."""
    app_config.update(
        PHOTO_STORE="local",
        S3_BUCKET=s3_settings["S3_BUCKET"],
        S3_ENDPOINT_URL=s3_settings["S3_ENDPOINT_URL"],
    )
    return s3_settings


def bucket_contents(settings: dict[str, str]) -> dict[str, bytes]:
    client = boto3.client("s3", endpoint_url=settings["S3_ENDPOINT_URL"])
    listed = client.list_objects_v2(Bucket=settings["S3_BUCKET"]).get("Contents", [])
    return {
        o["Key"]: client.get_object(Bucket=settings["S3_BUCKET"], Key=o["Key"])["Body"].read()
        for o in listed
    }


def test_a_copy_cut_midway_resumes_and_ends_with_every_file_identical(bucket, app):
    local = LocalPhotoStore(app.config["PHOTO_DIR"])
    expected = {}
    for seed in range(4):
        photo = jpeg(shelf(seed=300 + seed))
        stored = local.put(io.BytesIO(photo), max_bytes=len(photo))
        local.put_derived(stored.sha256, "thumb", f"thumb {seed}".encode())
        expected[local.path(stored.sha256).relative_to(local.root).as_posix()] = photo
        thumb = local.derived_path(stored.sha256, "thumb").relative_to(local.root).as_posix()
        expected[thumb] = f"thumb {seed}".encode()
    # Not copied: a photo whose bytes no longer hash to its name, an unfinished upload.
    damaged = local.path("0" * 64)
    damaged.parent.mkdir(parents=True)
    damaged.write_bytes(b"rotten")
    (local.root / "partial").mkdir()
    (local.root / "partial" / "6f1d2c1e-0000-4000-8000-000000000000").write_bytes(b"half")

    client = boto3.client("s3", endpoint_url=bucket["S3_ENDPOINT_URL"])
    cut = S3PhotoStore(bucket["S3_BUCKET"], client=CutAfter(client, puts=3))
    with pytest.raises(Killed):
        copy_to_bucket(local, cut)
    assert len(bucket_contents(bucket)) == 3

    runner = app.test_cli_runner()
    again = runner.invoke(args=["photos", "copy-to-s3"])
    assert again.exit_code == 1, again.output  # the damaged photo is reported
    assert "5 copied, 3 already there, 1 damaged (not copied)" in again.output
    assert f"damaged: 00/00/{'0' * 64}" in again.output
    assert bucket_contents(bucket) == expected

    damaged.unlink()
    last = runner.invoke(args=["photos", "copy-to-s3"])
    assert last.exit_code == 0, last.output
    assert "0 copied, 8 already there, 0 damaged" in last.output


def test_an_object_with_other_bytes_under_the_name_is_copied_again(bucket, app):
    local = LocalPhotoStore(app.config["PHOTO_DIR"])
    photo = jpeg(shelf(seed=310))
    stored = local.put(io.BytesIO(photo), max_bytes=len(photo))
    local.put_derived(stored.sha256, "brand", b"the brand copy")
    client = boto3.client("s3", endpoint_url=bucket["S3_ENDPOINT_URL"])
    key = f"derived/brand/{stored.sha256[:2]}/{stored.sha256[2:4]}/{stored.sha256}"
    client.put_object(Bucket=bucket["S3_BUCKET"], Key=key, Body=b"an older brand copy")
    result = app.test_cli_runner().invoke(args=["photos", "copy-to-s3"])
    assert "2 copied, 0 already there" in result.output, result.output
    assert bucket_contents(bucket)[key] == b"the brand copy"


@pytest.fixture
def no_bucket(app_config):
    app_config.update(PHOTO_STORE="local", S3_BUCKET="")


def test_without_a_bucket_the_command_says_what_to_set(no_bucket, app):
    result = app.test_cli_runner().invoke(args=["photos", "copy-to-s3"])
    assert result.exit_code == 2
    assert "FAIRFIELD_S3_BUCKET" in result.output
