"""Store CSV imports as a task: progress as it goes, per-line errors, once and only once."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from backend import create_app
from backend.kernel.clock import utcnow
from backend.outbox.models import OutboxMessage
from backend.stores import importfiles, imports
from backend.stores.models import Store, StoreImport
from backend.stores.service import StoreRows
from tests.support.factories import BrandFactory, UserFactory
from tests.support.processes import wait_until
from tests.support.services import s3_client
from workers.stores import run_import

PROBLEM = "application/problem+json"
URL = "/api/v1/stores/imports"
HEADER = "name,chain,address,latitude,longitude,geofence_m,external_ref\n"
# Line number (1 is the header) -> a bad line, and the field it names.
BAD = {
    14: ("Bad lat,C,A,95.5,4.35,150,X14", "latitude"),
    60: (",C,A,50.85,4.35,150,X60", "name"),
    101: ("Fence,C,A,50.85,4.35,5000,X101", "geofence_m"),
    150: ("too,many,fields,here,x,y,z,w", None),
}


def csv_of(stores=200, bad=BAD):
    """`stores` good lines, with the bad ones in between at their line numbers."""
    lines, good, number = [HEADER], 0, 2
    while good < stores:
        if number in bad:
            lines.append(bad[number][0] + "\n")
        else:
            lat, lon = 50.8 + good / 10_000, 4.3 + good / 10_000
            lines.append(f'Store {good},Chain,"Street {good}, Brussels",{lat},{lon},,R{good}\n')
            good += 1
        number += 1
    return "".join(lines).encode()


def upload(client, headers, data, query=None):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "stores.csv")})
    return client.post(
        URL,
        data=body,
        query_string=query or {},
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def store_count(db, **where):
    with db.transaction(write=False) as session:
        return session.scalar(select(func.count()).select_from(Store).filter_by(**where))


def message_id(db, import_id):
    with db.transaction(write=False) as session:
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.task_name == imports.TASK)
        ).all()
    return next(m.id for m in messages if m.args == [import_id])


def run_task(app, db, import_id):
    with app.app_context():
        return run_import.apply(
            args=[import_id], task_id=message_id(db, import_id), throw=True
        ).get()


def kept_file(app, import_id) -> Path:
    return importfiles.path_of(app.config["VAR_DIR"], import_id)


@pytest.fixture
def brand_user(make):
    return make(UserFactory, brand_user=True)


def test_200_stores_with_bad_lines_report_progress_and_errors(
    app, client, db, brand_user, auth_headers
):
    headers = auth_headers(brand_user)
    queued = upload(client, headers, csv_of())
    assert queued.status_code == 202, queued.json
    job = queued.json
    assert job["status"] == "queued"
    assert (job["total"], job["processed"], job["created"], job["errors"]) == (None, 0, 0, [])
    assert kept_file(app, job["id"]).exists()
    assert store_count(db) == 0  # nothing before the task

    assert run_task(app, db, job["id"]) == "done"
    done = client.get(f"{URL}/{job['id']}", headers=headers)
    assert done.status_code == 200
    body = done.json
    assert body["status"] == "done"
    assert (body["total"], body["processed"]) == (204, 204)
    assert (body["created"], body["updated"], body["error_count"]) == (200, 0, 4)
    assert [(e["line"], e["field"]) for e in body["errors"]] == [
        (line, field) for line, (_text, field) in sorted(BAD.items())
    ]
    assert body["errors"][0]["detail"] == "must be a number between -90 and 90."
    assert body["errors"][1]["detail"] == "is required."
    assert body["errors"][3]["detail"] == "expected 7 fields, found 8."
    assert body["finished_at"] >= body["started_at"]
    assert store_count(db, brand_id=brand_user.brand_id) == 200
    assert not kept_file(app, job["id"]).exists()  # kept only until done


def test_progress_is_committed_in_chunks_and_a_retry_goes_on_without_doubles(
    app, client, db, brand_user, auth_headers
):
    headers = auth_headers(brand_user)
    # No external_ref: such rows are always created, so a line imported twice would show.
    data = b"name,latitude,longitude\n" + b"".join(
        f"S{i},50.{i:03d},4.1\n".encode() for i in range(200)
    )
    import_id = upload(client, headers, data).json["id"]
    # A first run that dies after its second chunk: begun, counted, two chunks committed.
    with app.app_context():
        with db.transaction() as session:
            job = imports.begin_import(db_session=session, import_id=import_id, now=utcnow())
        with kept_file(app, import_id).open("rb") as stream:
            total = imports.count_lines(stream)
        with db.transaction() as session:
            imports.set_total(db_session=session, import_id=import_id, total=total)
        with kept_file(app, import_id).open("rb") as stream:
            chunks = imports.pending_chunks(
                StoreRows(stream), after_line=job.last_line, size=imports.chunk_lines(total)
            )
            for _ in range(2):
                with db.transaction() as session:
                    imports.import_chunk(
                        db_session=session, import_id=import_id, records=next(chunks)
                    )
    midway = client.get(f"{URL}/{import_id}", headers=headers).json
    assert (midway["status"], midway["total"], midway["processed"]) == ("running", 200, 100)
    assert midway["created"] == 100
    assert store_count(db) == 100

    # The task comes back (the sweeper resends it): it goes on after line 101.
    assert run_task(app, db, import_id) == "done"
    done = client.get(f"{URL}/{import_id}", headers=headers).json
    assert (done["status"], done["processed"], done["created"]) == ("done", 200, 200)
    assert store_count(db) == 200
    with db.transaction(write=False) as session:
        names = session.scalars(select(Store.name)).all()
    assert sorted(names) == sorted(f"S{i}" for i in range(200))

    # Another copy of the message finds the import over and does nothing.
    assert run_task(app, db, import_id) is None
    assert store_count(db) == 200


def test_reimporting_the_same_file_updates_nothing_and_creates_nothing(
    app, client, db, brand_user, auth_headers
):
    headers = auth_headers(brand_user)
    first = upload(client, headers, csv_of(stores=60, bad={})).json["id"]
    run_task(app, db, first)
    second = upload(client, headers, csv_of(stores=60, bad={})).json["id"]
    run_task(app, db, second)
    body = client.get(f"{URL}/{second}", headers=headers).json
    assert (body["created"], body["updated"], body["processed"]) == (0, 0, 60)
    assert store_count(db) == 60


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "name the columns"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00", "line 1"),
        (b"Delhaize,Chain,Street,50.8,4.3,150,R1\n", "Unknown columns"),
        (b"name,latitude\nA,50.1\n", "longitude"),
    ],
)
def test_unusable_files_are_refused_at_once_and_not_kept(
    app, client, db, brand_user, auth_headers, data, needle
):
    response = upload(client, auth_headers(brand_user), data)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert needle in " ".join(response.json["errors"]["file"])
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(StoreImport)) == 0
    folder = importfiles.folder(app.config["VAR_DIR"])
    assert not folder.exists() or list(folder.iterdir()) == []


def test_no_file_part_is_422(client, brand_user, auth_headers):
    response = client.post(
        URL,
        data={"other": "x"},
        headers=auth_headers(brand_user),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "file" in response.json["errors"]


@pytest.fixture
def small_bodies(app_config):
    app_config["MAX_BODY_BYTES"] = 5_000


def test_a_file_over_the_body_limit_is_413(small_bodies, client, brand_user, auth_headers):
    response = upload(client, auth_headers(brand_user), csv_of())
    assert response.status_code == 413
    assert response.content_type == PROBLEM


def test_only_the_owner_brand_and_admins_see_an_import(app, client, db, make, auth_headers):
    owner = make(UserFactory, brand_user=True)
    import_id = upload(client, auth_headers(owner), csv_of(stores=3, bad={})).json["id"]
    assert client.get(f"{URL}/{import_id}", headers=auth_headers(owner)).status_code == 200
    admin = auth_headers(make(UserFactory, admin=True))
    assert client.get(f"{URL}/{import_id}", headers=admin).json["brand_id"] == owner.brand_id
    other = client.get(
        f"{URL}/{import_id}", headers=auth_headers(make(UserFactory, brand_user=True))
    )
    assert other.status_code == 404
    assert other.content_type == PROBLEM
    assert client.get(f"{URL}/nope", headers=admin).status_code == 404
    assert client.get(f"{URL}/{import_id}").status_code == 401
    worker = client.get(f"{URL}/{import_id}", headers=auth_headers(make(UserFactory)))
    assert worker.status_code == 403


def test_an_admin_imports_for_a_named_brand(app, client, db, make, auth_headers):
    admin = auth_headers(make(UserFactory, admin=True))
    brand = make(BrandFactory)
    data = csv_of(stores=5, bad={})
    missing = upload(client, admin, data)
    assert missing.status_code == 422
    assert "brand_id" in missing.json["errors"]
    queued = upload(client, admin, data, query={"brand_id": brand.id})
    assert queued.status_code == 202
    assert run_task(app, db, queued.json["id"]) == "done"
    assert store_count(db, brand_id=brand.id) == 5


def test_a_file_lost_before_the_task_fails_the_import_saying_why(
    app, client, db, brand_user, auth_headers
):
    headers = auth_headers(brand_user)
    import_id = upload(client, headers, csv_of(stores=5, bad={})).json["id"]
    kept_file(app, import_id).unlink()
    assert run_task(app, db, import_id) == "failed"
    body = client.get(f"{URL}/{import_id}", headers=headers).json
    assert body["status"] == "failed"
    assert body["detail"] == "The uploaded file is gone."
    assert store_count(db) == 0


@pytest.mark.integration
def test_a_real_worker_imports_200_stores(client, db, brand_user, auth_headers, start_worker):
    headers = auth_headers(brand_user)
    start_worker()
    import_id = upload(client, headers, csv_of()).json["id"]

    def over():
        body = client.get(f"{URL}/{import_id}", headers=headers).json
        return body if body["status"] in ("done", "failed") else None

    body = wait_until(over, 60, "the worker to import the stores")
    assert body["status"] == "done", body
    assert (body["created"], body["processed"], body["total"], body["error_count"]) == (
        200,
        204,
        204,
        4,
    )
    assert store_count(db, brand_id=brand_user.brand_id) == 200


def test_files_left_over_a_day_are_swept_unless_their_import_still_needs_them(
    app, client, db, brand_user, auth_headers
):
    import os

    from workers.stores import sweep_import_files

    headers = auth_headers(brand_user)
    waiting = upload(client, headers, csv_of(stores=3, bad={})).json["id"]
    over = upload(client, headers, csv_of(stores=3, bad={})).json["id"]
    with db.transaction() as session:
        session.get(StoreImport, over).status = "done"  # as if its task died before deleting
    folder = importfiles.folder(app.config["VAR_DIR"])
    stray = folder / "0b6c3a8e-0000-4000-8000-000000000000.csv"  # a request that failed
    stray.write_bytes(b"name,latitude,longitude\n")
    fresh = upload(client, headers, csv_of(stores=3, bad={})).json["id"]
    with db.transaction() as session:
        session.get(StoreImport, fresh).status = "done"
    day_old = utcnow().timestamp() - 86_400 - 60
    for path in (kept_file(app, waiting), kept_file(app, over), stray):
        os.utime(path, (day_old, day_old))

    with app.app_context():
        assert sweep_import_files.apply(throw=True).get() == 2
        assert sweep_import_files.apply(throw=True).get() == 0  # nothing twice
    assert kept_file(app, waiting).exists()  # still queued: its task will need it
    assert kept_file(app, fresh).exists()  # too recent to judge
    assert not kept_file(app, over).exists()
    assert not stray.exists()


def test_an_import_queued_on_one_node_is_run_by_a_worker_on_another(
    app_config, s3_settings, backend_name, tmp_path, request
):
    """Several machines, each with its own var folder, photos in a bucket: the CSV an API node
    keeps must be found by the worker node that runs the import, as a photo would be."""
    if backend_name == "sqlite":
        pytest.skip("several nodes share a PostgreSQL database, not a SQLite file")
    app_config.update(s3_settings)
    app, client, db = (request.getfixturevalue(name) for name in ("app", "client", "db"))
    worker_node = create_app({**app_config, "VAR_DIR": str(tmp_path / "worker-node" / "var")})
    try:
        brand_user = request.getfixturevalue("make")(UserFactory, brand_user=True)
        headers = request.getfixturevalue("auth_headers")(brand_user)
        queued = upload(client, headers, csv_of(stores=30, bad={}))
        assert queued.status_code == 202, queued.json
        assert run_task(worker_node, db, queued.json["id"]) == "done"
        assert store_count(db, brand_id=brand_user.brand_id) == 30
        assert not list(Path(app.config["VAR_DIR"]).rglob("*.csv"))  # nothing kept on the node
        assert not list(Path(worker_node.config["VAR_DIR"]).rglob("*.csv"))
        bucket = s3_client(s3_settings["S3_ENDPOINT_URL"])
        listed = bucket.list_objects_v2(Bucket=s3_settings["S3_BUCKET"], Prefix="imports/")
        assert listed.get("Contents", []) == []  # nor in the bucket, once done

        # A file gone from the bucket fails the import, as a file gone from the folder does.
        queued = upload(client, headers, csv_of(stores=3, bad={}))
        bucket.delete_object(
            Bucket=s3_settings["S3_BUCKET"], Key=f"imports/{queued.json['id']}.csv"
        )
        assert run_task(worker_node, db, queued.json["id"]) == "failed"
    finally:
        worker_node.extensions["fairfield.db"].engine.dispose()


def test_files_left_in_the_bucket_are_swept_unless_their_import_still_needs_them(
    app_config, s3_settings, backend_name, request, monkeypatch
):
    """With several nodes an import's file waits in the bucket: a request that failed after
    putting it there, or a task killed before deleting it, leaves it to the sweep."""
    if backend_name == "sqlite":
        pytest.skip("several nodes share a PostgreSQL database, not a SQLite file")
    from workers import stores as store_tasks

    app_config.update(s3_settings)
    app, client, db = (request.getfixturevalue(name) for name in ("app", "client", "db"))
    headers = request.getfixturevalue("auth_headers")(
        request.getfixturevalue("make")(UserFactory, brand_user=True)
    )
    waiting = upload(client, headers, csv_of(stores=3, bad={})).json["id"]
    over = upload(client, headers, csv_of(stores=3, bad={})).json["id"]
    with db.transaction() as session:
        session.get(StoreImport, over).status = "done"  # as if its task died before deleting
    bucket, name = s3_client(s3_settings["S3_ENDPOINT_URL"]), s3_settings["S3_BUCKET"]
    stray = "imports/0b6c3a8e-0000-4000-8000-000000000000.csv"  # a request that failed
    bucket.put_object(Bucket=name, Key=stray, Body=b"name,latitude,longitude\n")
    photo = "photos-are-not-import-files.csv"
    bucket.put_object(Bucket=name, Key=photo, Body=b"")

    def kept() -> set[str]:
        return {item["Key"] for item in bucket.list_objects_v2(Bucket=name).get("Contents", [])}

    with app.app_context():
        assert store_tasks.sweep_import_files.apply(throw=True).get() == 0  # all too recent
        monkeypatch.setattr(store_tasks, "LEFT_OVER_AFTER_S", -60.0)  # all old enough now
        assert store_tasks.sweep_import_files.apply(throw=True).get() == 2
        assert store_tasks.sweep_import_files.apply(throw=True).get() == 0  # nothing twice
    assert f"imports/{waiting}.csv" in kept()  # still queued: its task will need it
    assert f"imports/{over}.csv" not in kept()
    assert stray not in kept()
    assert photo in kept()
