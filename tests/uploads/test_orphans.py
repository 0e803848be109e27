"""Photos stored by requests that failed before their commit are swept a day later; a
photo any submission names, or one written again meanwhile, never is."""

from __future__ import annotations

import hashlib
import io
import os
import time

import pytest

from backend.storage import LocalPhotoStore
from tests.support.photos import jpeg, shelf
from tests.support.submitting import submit
from tests.support.tus import declaration

DAY = 86400.0


def _age(store, digest, seconds):
    """Make a stored photo look written `seconds` ago."""
    then = time.time() - seconds
    os.utime(store.path(digest), (then, then))


def _sweep(app):
    with app.app_context():
        from workers.storage import sweep_orphans

        return sweep_orphans.apply().get()


@pytest.mark.local_store("ages files by their mtime; the bucket's sweep is in tests/storage")
def test_a_day_old_photo_nothing_names_is_deleted_with_its_copies(app, client, claim, tus):
    store = LocalPhotoStore(app.config["PHOTO_DIR"])
    kept, arrived, orphan, fresh = (jpeg(shelf(seed=s)) for s in (61, 62, 63, 64))
    claimed = claim()
    assert submit(client, claimed, [kept]).status_code == 202  # a submission's photo
    other = claim()  # a photo that arrived for a submission still uploading
    body = tus(other.headers).declare(other.assignment_id, declaration([arrived, kept])).json
    tus(other.headers).send(body["uploads"][0]["url"], arrived)
    for photo in (orphan, fresh):  # stored by requests that then failed
        store.put(io.BytesIO(photo), max_bytes=len(photo))
    digests = {
        name: hashlib.sha256(p).hexdigest()
        for name, p in [("kept", kept), ("arrived", arrived), ("orphan", orphan), ("fresh", fresh)]
    }
    store.put_derived(digests["orphan"], "brand", b"a copy")
    for name in ("kept", "arrived", "orphan"):
        _age(store, digests[name], DAY + 60)

    assert _sweep(app) == 1
    assert not store.path(digests["orphan"]).exists()
    assert not store.derived_path(digests["orphan"], "brand").exists()
    for name in ("kept", "arrived", "fresh"):
        assert store.path(digests[name]).exists(), name
    assert _sweep(app) == 0


@pytest.mark.local_store("ages files by their mtime; the bucket's sweep is in tests/storage")
def test_a_photo_written_again_since_the_sweep_looked_stays(app):
    store = LocalPhotoStore(app.config["PHOTO_DIR"])
    photo = jpeg(shelf(seed=65))
    digest = store.put(io.BytesIO(photo), max_bytes=len(photo)).sha256
    # The sweep saw it old and unnamed; a request then stored the same bytes again.
    cutoff = time.time() - 1
    assert store.delete_unless_rewritten(digest, cutoff=cutoff) is False
    with store.open(digest) as stored:
        assert stored.read() == photo
    assert [p.name for p in store.path(digest).parent.iterdir()] == [digest]
    _age(store, digest, 10)
    assert store.delete_unless_rewritten(digest, cutoff=cutoff) is True
    assert not store.path(digest).exists()
