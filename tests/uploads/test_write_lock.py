"""An upload's last byte: the photo is hashed and stored before the write lock is taken."""

from __future__ import annotations

import pytest

from backend.storage import LocalPhotoStore
from tests.support.locks import probe_write_lock
from tests.support.photos import jpeg, shelf
from tests.support.tus import declaration

PHOTOS = [jpeg(shelf(seed=1)), jpeg(shelf(seed=2))]


@pytest.fixture
def stored(app, backend_name, monkeypatch):
    if backend_name != "sqlite":
        pytest.skip("one writer at a time is SQLite's; PostgreSQL locks rows")
    url = app.config["DATABASE_URL"]
    return probe_write_lock(monkeypatch, LocalPhotoStore, "put_partial", url)


def _declared(claim, tus):
    claimed = claim()
    worker = tus(claimed.headers)
    response = worker.declare(claimed.assignment_id, declaration(PHOTOS))
    assert response.status_code == 201, response.json
    return worker, [u["url"] for u in response.json["uploads"]]


def test_the_last_chunk_stores_its_photo_without_the_write_lock(claim, tus, stored):
    worker, urls = _declared(claim, tus)
    for url, photo in zip(urls, PHOTOS, strict=True):
        assert worker.send(url, photo).status_code == 204
    assert stored == [True, True]


def test_the_sweep_stores_finished_photos_without_the_write_lock(app, claim, tus, stored):
    worker, urls = _declared(claim, tus)
    # Every byte in, but the request that would have accepted it never ran (a crash).
    worker.send(urls[0], PHOTOS[0][:-10])
    store = LocalPhotoStore(app.config["PHOTO_DIR"])
    with store.partial_path(urls[0].rsplit("/", 1)[1]).open("ab") as partial:
        partial.write(PHOTOS[0][-10:])
    stored.clear()
    with app.app_context():
        from workers.uploads import sweep

        assert sweep.apply().get() == {"finished": 1, "abandoned": 0}
    assert stored == [True]
