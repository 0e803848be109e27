"""Recording erasures twice: a row in `erasure_log` (same transaction as the erasure) and a
line in a JSON-lines file outside the database, so a restore from an older backup, which
rolls the table back with everything else, can still find and re-apply them.

The line is written and synced before the transaction commits: an erasure that then fails
to commit is re-applied by a restore (it was asked for, and re-applying is harmless), one
that committed is never missing from the files.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from backend.erasures.models import ErasureLogEntry
from backend.settings import current_settings

KINDS = ("account", "locations", "bank_details")
# Each node writes files of its own: nodes sharing one folder never write the same file.
FILE_GLOB = "erasures-*.jsonl"


def record(
    *, db_session: Session, kind: str, target_ids: Iterable[str], now: datetime
) -> ErasureLogEntry:
    """Log an erasure in the database (flushed, committed with the erasure) and in the
    erasure log folder (FAIRFIELD_ERASURE_LOG_DIR), synced to disk at once."""
    if kind not in KINDS:
        raise ValueError(f"not an erasure kind: {kind}")
    entry = ErasureLogEntry(kind=kind, target_ids=sorted(target_ids), at=now)
    db_session.add(entry)
    db_session.flush()
    append_line(Path(current_settings().erasure_log_dir), entry.as_line())
    return entry


def append_line(folder: Path, line: dict[str, Any]) -> None:
    """Append one entry to today's file of this node, whole and synced."""
    folder.mkdir(parents=True, exist_ok=True)
    day = datetime.fromisoformat(line["at"]).date().isoformat()
    path = folder / f"erasures-{day}-{socket.gethostname()}.jsonl"
    data = (json.dumps(line, sort_keys=True) + "\n").encode()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        # One writer at a time: processes of one node share the file.
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = b"\n" + data  # a crash cut the last line short: this one starts afresh
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines(folders: Iterable[Path], *, since: datetime) -> Iterator[dict[str, Any]]:
    """Every entry in the files of the day before `since` and later, oldest first (a long
    transaction may commit after a backup began an erasure dated before it). A line cut short
    by a crash mid-write is skipped: its erasure never committed."""
    first_day = (since - timedelta(days=1)).date().isoformat()
    entries: list[dict[str, Any]] = []
    for folder in folders:
        for path in sorted(folder.glob(FILE_GLOB)):
            if path.name[len("erasures-") :][:10] < first_day:
                continue
            for raw in path.read_text(encoding="utf-8").splitlines():
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                if line.get("kind") in KINDS:
                    entries.append(line)
    entries.sort(key=lambda line: (line["at"], line["id"]))
    return iter(entries)


def is_logged(*, db_session: Session, entry_id: str) -> bool:
    """Does the database's own log hold this entry (its erasure is in the database)?"""
    return db_session.get(ErasureLogEntry, entry_id) is not None


def keep(*, db_session: Session, line: dict[str, Any]) -> None:
    """Put an entry read from the files back in the database's log (a re-applied erasure)."""
    db_session.add(
        ErasureLogEntry(
            id=line["id"],
            at=datetime.fromisoformat(line["at"]),
            kind=line["kind"],
            target_ids=list(line["target_ids"]),
        )
    )
    db_session.flush()
