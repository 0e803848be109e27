"""Backups: the database (pg_dump's custom format, or SQLite's online backup) and the photos,
into one folder with a manifest; and restoring them into an empty database and photo store.

The database is copied first, the photos after: a photo stored in between has no row in the
backup (the orphan sweep deletes it after a restore), and a photo erased in between is
re-erased from the erasure log, which a restore reads afterwards (backend/privacy/reapply.py).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import URL, make_url

from backend.db import Database
from backend.kernel.clock import utcnow
from backend.storage import LocalPhotoStore, PhotoStore

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
PHOTOS = "photos"
# Made by CREATE EXTENSION postgis, which an operator may have run in the empty database.
POSTGIS_TABLES = frozenset({"spatial_ref_sys"})
# A photo is never larger than FAIRFIELD_PHOTO_MAX_BYTES; a backup copies whatever is there.
ANY_SIZE = 1 << 40


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in a sentence."""


@dataclass(frozen=True)
class Manifest:
    started_at: datetime
    finished_at: datetime
    database: str  # sqlite | postgresql
    revision: str | None
    photos: int | None  # None: not copied (a bucket kept by versioning or replication)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "database": self.database,
            "revision": self.revision,
            "photos": self.photos,
        }


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a finished backup; BackupError if there is none (an unfinished one)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} holds no finished backup (no {MANIFEST}).") from None
    if data.get("format") != FORMAT:
        raise BackupError(f"{folder} is a backup of format {data.get('format')}, not {FORMAT}.")
    return Manifest(
        started_at=datetime.fromisoformat(data["started_at"]),
        finished_at=datetime.fromisoformat(data["finished_at"]),
        database=data["database"],
        revision=data["revision"],
        photos=None if data["photos"] is None else int(data["photos"]),
    )


def backup(
    *,
    folder: Path,
    database: Database,
    revision: str | None,
    store: PhotoStore | None,
    pg_bin: str | None,
) -> Manifest:
    """Copy the database, then every stored photo (unless `store` is None), into `folder` (new
    or empty); the manifest is written last, so a folder without one did not finish."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: a backup goes into a new folder.")
    folder.mkdir(parents=True, exist_ok=True)
    started = utcnow()
    if database.is_sqlite:
        _sqlite_copy(_sqlite_path(database.url), folder / SQLITE_COPY)
    else:
        _run(
            _pg_tool("pg_dump", pg_bin),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={folder / PG_DUMP}",
            url=database.url,
        )
    photos = None
    if store is not None:
        photos = copy_photos(source=store, target=LocalPhotoStore(folder / PHOTOS))
    manifest = Manifest(
        started_at=started,
        finished_at=utcnow(),
        database="sqlite" if database.is_sqlite else "postgresql",
        revision=revision,
        photos=photos,
    )
    # Whole or not at all: a manifest is the sign that everything before it is there.
    partial = folder / f".{MANIFEST}"
    partial.write_text(json.dumps(manifest.as_json(), indent=2) + "\n")
    partial.replace(folder / MANIFEST)
    return manifest


def restore_database(*, folder: Path, database: Database, pg_bin: str | None) -> Manifest:
    """Load the backup's database into `database`, which must have no tables."""
    manifest = read_manifest(folder)
    kind = "sqlite" if database.is_sqlite else "postgresql"
    if manifest.database != kind:
        raise BackupError(f"The backup is of a {manifest.database} database, not {kind}.")
    tables = set(inspect(database.engine).get_table_names()) - POSTGIS_TABLES
    if tables:
        raise BackupError(
            f"The database already has {len(tables)} tables: restore into an empty one."
        )
    if database.is_sqlite:
        database.engine.dispose()  # no connection of ours holds the file while it is written
        _sqlite_copy(folder / SQLITE_COPY, _sqlite_path(database.url))
    else:
        _run(
            _pg_tool("pg_restore", pg_bin),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            str(folder / PG_DUMP),
            url=database.url,
        )
    return manifest


def restore_photos(*, folder: Path, store: PhotoStore) -> int | None:
    """Copy the backup's photos into `store`, each checked against its digest; how many, or
    None when the backup holds none (the store is used as it stands)."""
    if read_manifest(folder).photos is None:
        return None
    return copy_photos(source=LocalPhotoStore(folder / PHOTOS), target=store)


def copy_photos(*, source: PhotoStore, target: PhotoStore) -> int:
    """Copy every stored original through the PhotoStore interface (a folder or a bucket),
    verifying each against its digest. Derived copies are not copied: they are made again
    when first asked for."""
    copied = 0
    for digest in source.stored_before(time.time() + 60):
        try:
            with source.open(digest) as stream:
                target.put(stream, max_bytes=ANY_SIZE, sha256=digest)
        except FileNotFoundError:  # deleted (erased, swept) while the backup ran
            continue
        copied += 1
    return copied


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while writers go on."""
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _pg_tool(name: str, pg_bin: str | None) -> str:
    """The PostgreSQL client program: in `pg_bin` if given, else on PATH, else the newest
    Debian install (/usr/lib/postgresql/<version>/bin)."""
    if pg_bin:
        found: str | None = os.path.join(pg_bin, name)
    else:
        found = shutil.which(name)
        installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
        found = found or next(iter(installed), None)
    if not found or not os.access(found, os.X_OK):
        raise BackupError(f"{name} is not installed (give its folder with --pg-bin).")
    return found


def _run(program: str, *args: str, url: str) -> None:
    """Run a PostgreSQL client against the database at `url`; the password goes through
    the environment, never the command line other users can read."""
    parsed = make_url(url)
    conninfo = URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    ).render_as_string(hide_password=False)
    env = os.environ | ({"PGPASSWORD": parsed.password} if parsed.password else {})
    done = subprocess.run(
        [program, *args, f"--dbname={conninfo}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"{Path(program).name} failed: {done.stderr.strip()}")
