"""Where an uploaded store CSV waits for its import task: `<var dir>/imports/<import id>.csv`.

The file is named by the server (the import's id), never by the client, written to a
temporary name first and renamed into place whole, and deleted once the import is over.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import IO

from backend.errors import TooLarge

CHUNK = 64 * 1024
FOLDER = "imports"


def folder(var_dir: str) -> Path:
    """The folder import files wait in."""
    return Path(var_dir) / FOLDER


def path_of(var_dir: str, import_id: str) -> Path:
    """The file of one import (`import_id` is ours: a UUID)."""
    return folder(var_dir) / f"{import_id}.csv"


def save(stream: IO[bytes], *, var_dir: str, import_id: str, max_bytes: int) -> int:
    """Stream an upload into the import's file; its size. Past `max_bytes` nothing is kept
    (413): the body limit already stops a larger request, this holds if it is raised."""
    target = path_of(var_dir, import_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"The file is larger than {max_bytes} bytes.")
                out.write(chunk)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return size


def discard(var_dir: str, import_id: str) -> None:
    """Delete the import's file, if it is still there."""
    with contextlib.suppress(FileNotFoundError):
        path_of(var_dir, import_id).unlink()


def written_before(var_dir: str, cutoff: float) -> dict[str, Path]:
    """Import files (and half-written uploads) last written before `cutoff` (epoch seconds),
    by import id (a half-written upload by its own name)."""
    found: dict[str, Path] = {}
    if not folder(var_dir).is_dir():
        return found
    for path in folder(var_dir).iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                found[path.stem if path.suffix == ".csv" else path.name] = path
    return found


def age_cutoff(seconds: float) -> float:
    """The epoch time `seconds` ago."""
    return time.time() - seconds
