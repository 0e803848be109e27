"""`fairfield backup` and `fairfield restore`: the database and the photos come back, and
every erasure made since the backup is made again, so no erased worker comes back."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from backend import create_app
from backend.accounts.models import User
from backend.erasures.models import ErasureLogEntry
from backend.kernel.clock import utcnow
from backend.payouts.models import PayoutRequest
from backend.privacy import service as privacy
from backend.submissions.models import Submission
from tests.support.factories import PASSWORD, UserFactory
from tests.support.payouts import BATCHES, PAYOUTS, credit, payout_body
from tests.support.photos import with_gps
from tests.support.submitting import honest_payload, submit, validate_now
from tests.support.tables import stored_values

EMAIL, NAME = "erased.after.backup@example.org", "Wanda Erased-Later"
HERE, ELSEWHERE = (50.84683, 4.35297), (50.84655, 4.35318)


def _send(app, client, db, claimed, at, seed):
    photo = with_gps(*at, seed=seed)
    payload = honest_payload(latitude=at[0], longitude=at[1])
    response = submit(client, claimed, [photo], payload)
    assert response.status_code == 202, response.json
    validate_now(app, db, response.json["submission_id"])
    return response.json["submission_id"], photo


@pytest.fixture
def fresh_database_url(backend_name: str, database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind, for the restore."""
    if backend_name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'fairfield.sqlite'}"
        return
    name = f"restored_{uuid.uuid4().hex[:12]}"
    server = create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(database_url).set(database=name)
    # As an operator whose role may not create extensions would: PostGIS made beforehand.
    fresh = create_engine(url, isolation_level="AUTOCOMMIT")
    with fresh.connect() as conn:
        conn.exec_driver_sql("CREATE EXTENSION postgis")
    fresh.dispose()
    yield url.render_as_string(hide_password=False)
    with server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    server.dispose()


def _photo_files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_restore_brings_everything_back_but_what_was_erased_since(
    app, app_config, client, db, make, auth_headers, claim, fresh_database_url, tmp_path
):
    worker = make(UserFactory, email=EMAIL, display_name=NAME)
    admin = auth_headers(make(UserFactory, role="admin"))
    rejected = claim(worker=worker, review_required=True)
    theirs, their_photo = _send(app, client, db, rejected, HERE, seed=71)
    decided = client.post(
        f"/api/v1/submissions/{theirs}/decision",
        json={"decision": "reject", "reason_code": "missing_products", "comment": "No PAD-2."},
        headers=admin,
    )
    assert decided.status_code == 200, decided.json
    bystander = claim()
    kept, kept_photo = _send(app, client, db, bystander, ELSEWHERE, seed=72)
    runner = app.test_cli_runner()
    folder = tmp_path / "backup"
    backed_up = runner.invoke(args=["backup", str(folder)])
    assert backed_up.exit_code == 0, backed_up.output
    assert "2 photos" in backed_up.output
    assert json.loads((folder / "manifest.json").read_text())["photos"] == 2

    # After the backup: the worker erases their account, positions pass retention.
    erased = client.delete("/api/v1/me", headers=rejected.headers)
    assert erased.status_code == 200, erased.json
    with app.app_context(), db.transaction() as session:
        later = utcnow()
        assert privacy.reduce_locations(db_session=session, now=later, retention_days=0) == 1

    with _restored(app, app_config, fresh_database_url, tmp_path, folder) as (restored, said):
        assert "and 2 photos; 2 erasures made since then made again" in said
        _check_restored(restored, worker, theirs, their_photo, kept, kept_photo)
        again = restored.test_cli_runner().invoke(args=["restore", str(folder)])
    assert again.exit_code == 1
    assert "restore into an empty one" in again.output


@contextmanager
def _restored(
    app, app_config, database_url, tmp_path, folder, **settings: Any
) -> Iterator[tuple[Any, str]]:
    """An app on an empty database and photo folder (unless `settings` say otherwise), sharing
    the erasure log folder with `app`, restored from `folder`; yields it, inside its context,
    and what restore said."""
    config = app_config | {
        "VAR_DIR": str(tmp_path / "elsewhere"),
        "DATABASE_URL": database_url,
        "ERASURE_LOG_DIR": app.config["ERASURE_LOG_DIR"],
        **settings,
    }
    restored = create_app(config)
    try:
        # `make` holds the first app's context open: the command would find that app's.
        with restored.app_context():
            done = restored.test_cli_runner().invoke(args=["restore", str(folder)])
            assert done.exit_code == 0, done.output
            yield restored, done.output
    finally:
        restored.extensions["fairfield.db"].engine.dispose()


def test_bank_details_erased_after_the_backup_stay_erased(
    app, app_config, client, db, make, auth_headers, fresh_database_url, tmp_path
):
    worker, admin = make(UserFactory), make(UserFactory, role="admin")
    admin_headers = auth_headers(admin)
    credit(db, worker.id, 450)
    made = client.post(PAYOUTS, json=payout_body(final=True), headers=auth_headers(worker)).json
    batch = client.post(BATCHES, headers=admin_headers).json
    assert client.delete("/api/v1/me", headers=auth_headers(worker)).status_code == 200
    folder = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", str(folder)]).exit_code == 0
    paid = client.post(f"{BATCHES}/{batch['id']}/mark-paid", headers=admin_headers)
    assert paid.status_code == 200, paid.json

    with _restored(app, app_config, fresh_database_url, tmp_path, folder) as (restored, said):
        # The account's erasure was in the backup already: only the bank details' is new.
        assert "1 erasures made since then made again" in said
        database = restored.extensions["fairfield.db"]
        with database.transaction(write=False) as session:
            request = session.get_one(PayoutRequest, made["id"])
            assert (request.iban, request.holder_name, request.bic) == ("ERASED", "ERASED", None)
            assert request.status == "batched"  # paid after the backup: reconciled by hand


def test_without_photos_the_store_is_used_as_it_stands(
    app, app_config, client, db, claim, fresh_database_url, tmp_path
):
    kept, kept_photo = _send(app, client, db, claim(), ELSEWHERE, seed=73)
    folder = tmp_path / "backup"
    done = app.test_cli_runner().invoke(args=["backup", str(folder), "--no-photos"])
    assert done.exit_code == 0, done.output
    assert "and no photos written" in done.output
    assert not (folder / "photos").exists()
    same_store = {"PHOTO_DIR": app.config["PHOTO_DIR"]}  # as a versioned bucket would be
    with _restored(app, app_config, fresh_database_url, tmp_path, folder, **same_store) as (
        restored,
        said,
    ):
        assert "and no photos (the store as it stands); 0 erasures" in said
        assert "warning: no erasure log file in" in said
        digest = hashlib.sha256(kept_photo).hexdigest()
        assert digest in _photo_files(Path(restored.config["PHOTO_DIR"]))
        with restored.extensions["fairfield.db"].transaction(write=False) as session:
            assert session.get_one(Submission, kept).status == "approved"


def _check_restored(app, worker, theirs, their_photo, kept, kept_photo) -> None:
    database = app.extensions["fairfield.db"]
    files = _photo_files(Path(app.config["PHOTO_DIR"]))
    assert files == {hashlib.sha256(kept_photo).hexdigest(): kept_photo}
    needles = [EMAIL, NAME, hashlib.sha256(their_photo).hexdigest(), str(HERE[0])]
    for table, value in stored_values(database):
        for needle in needles:
            assert needle not in value, f"{needle!r} came back in {table}"
    with database.transaction(write=False) as session:
        row = session.get_one(User, worker.id)
        assert row.erased_at is not None
        assert (row.email, row.display_name) == (f"erased-{worker.id}@invalid", "erased")
        assert session.scalar(select(func.count(Submission.id))) == 2
        assert session.get_one(Submission, theirs).location_reduced_at is not None
        other = session.get_one(Submission, kept)
        assert (other.latitude, other.longitude, other.status) == (None, None, "approved")
        kinds = session.scalars(select(ErasureLogEntry.kind).order_by(ErasureLogEntry.at))
        assert list(kinds) == ["account", "locations"]
        assert session.execute(text("SELECT 1")).scalar() == 1
    login = app.test_client().post(
        "/api/v1/auth/token", json={"email": "nobody@example.org", "password": PASSWORD}
    )
    assert login.status_code == 401


def test_a_folder_without_a_finished_backup_is_refused(app, db, tmp_path: Any):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["restore", str(tmp_path), "--erasure-log", str(tmp_path)])
    assert refused.exit_code == 1
    assert "no finished backup" in refused.output


def test_a_restore_without_its_erasure_log_does_not_begin(app, db, tmp_path: Any):
    missing = tmp_path / "erasure-log-of-a-lost-host"
    refused = app.test_cli_runner().invoke(
        args=["restore", str(tmp_path), "--erasure-log", str(missing)]
    )
    assert refused.exit_code == 1
    assert f"no erasure log at {missing}" in refused.output
