"""Store CSV imports as a task, for files too large to wait on: the upload is kept and
queued; the task counts its lines, then imports them in chunks, each chunk's stores and the
import's progress committed together. A retried task goes on after the last committed line,
so no line is imported twice. The parsing and the upserts are the sync import's
(`service.StoreRows`, `service.import_batch`). Keyword-only; they flush, never commit."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.kernel.ids import new_id
from backend.outbox.tasks import enqueue
from backend.stores import importfiles, rules
from backend.stores.models import StoreImport
from backend.stores.service import CsvRecord, ImportResult, StoreRows, import_batch

TASK = "stores.run_import"
# Progress is committed at most this many times per import, every CHUNK_MIN_LINES at least:
# a small file moves in visible steps, a large one does not rewrite its row too often.
CHUNKS = 100
CHUNK_MIN_LINES = 50
ERRORS_KEPT = 1000  # per import; `error_count` has them all


def check_file(stream: IO[bytes]) -> None:
    """Refuse, as the sync import does, a file whose first line is no store CSV header (422
    naming `file`)."""
    StoreRows(stream)


def start_import(
    *,
    db_session: Session,
    upload: IO[bytes],
    var_dir: str,
    max_bytes: int,
    brand_id: str,
    requested_by: str | None,
    now: datetime,
) -> StoreImport:
    """Keep an uploaded CSV, check its header and queue its import. The file is saved and
    checked before the first statement (no write lock held meanwhile); refused, or failing
    to queue, it is not kept."""
    import_id = new_id()
    size = importfiles.save(upload, var_dir=var_dir, import_id=import_id, max_bytes=max_bytes)
    try:
        with importfiles.path_of(var_dir, import_id).open("rb") as stream:
            check_file(stream)
        job = queue_import(
            db_session=db_session,
            import_id=import_id,
            brand_id=brand_id,
            requested_by=requested_by,
            size_bytes=size,
            now=now,
        )
    except BaseException:
        importfiles.discard(var_dir, import_id)
        raise
    importfiles.release(var_dir, import_id)
    return job


def queue_import(
    *,
    db_session: Session,
    import_id: str,
    brand_id: str,
    requested_by: str | None,
    size_bytes: int,
    now: datetime,
) -> StoreImport:
    """Record an import of a file already saved under `import_id`; its task goes out after
    the commit."""
    job = StoreImport(
        id=import_id,
        brand_id=brand_id,
        requested_by=requested_by,
        status="queued",
        size_bytes=size_bytes,
        created_at=now,
    )
    db_session.add(job)
    db_session.flush()
    enqueue(db_session, TASK, job.id)
    return job


@dataclass(frozen=True)
class ImportJob:
    """What the task needs of an import to (re)start it."""

    id: str
    brand_id: str
    total: int | None
    last_line: int


def begin_import(*, db_session: Session, import_id: str, now: datetime) -> ImportJob | None:
    """Mark an import running (again, after a crash); None if unknown or already over."""
    job = db_session.get(StoreImport, import_id, with_for_update=True)
    if job is None or job.status in ("done", "failed"):
        return None
    job.status = "running"
    job.started_at = job.started_at or now
    db_session.flush()
    return ImportJob(job.id, job.brand_id, job.total, job.last_line)


def count_lines(stream: IO[bytes]) -> int:
    """The data lines of a store CSV, blank ones aside: what `processed` counts up to."""
    return sum(1 for _record in StoreRows(stream))


def set_total(*, db_session: Session, import_id: str, total: int) -> None:
    """Record how many lines the import has, once."""
    job = db_session.get(StoreImport, import_id, with_for_update=True)
    if job is not None and job.total is None:
        job.total = total
        db_session.flush()


def chunk_lines(total: int) -> int:
    """Lines per committed chunk for an import of `total` lines."""
    return max(CHUNK_MIN_LINES, math.ceil(total / CHUNKS))


def pending_chunks(
    records: Iterable[CsvRecord], *, after_line: int, size: int
) -> Iterator[list[CsvRecord]]:
    """The records after `after_line`, `size` at a time."""
    chunk: list[CsvRecord] = []
    for record in records:
        if record.line <= after_line:
            continue
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_chunk(*, db_session: Session, import_id: str, records: list[CsvRecord]) -> int:
    """Import these lines and count them in the import's progress; lines another run of the
    task committed already are skipped. Returns how many lines were new."""
    job = db_session.get(StoreImport, import_id, with_for_update=True)
    if job is None or job.status != "running":
        return 0
    fresh = [record for record in records if record.line > job.last_line]
    if not fresh:
        return 0
    result = ImportResult()
    errors: list[dict[str, Any]] = []
    batch: list[tuple[int, dict[str, Any]]] = []
    for record in fresh:
        if record.data is None:
            errors += [rules.line_error(record.line, problem) for problem in record.problems]
        else:
            batch.append((record.line, record.data))
    import_batch(db_session, job.brand_id, batch, result)
    errors += [rules.line_error(e["line"], e["message"]) for e in result.errors]
    errors.sort(key=lambda error: error["line"])
    job.processed += len(fresh)
    job.created += result.created
    job.updated += result.updated
    job.error_count += len(errors)
    room = ERRORS_KEPT - len(job.errors)
    if errors and room > 0:
        job.errors = [*job.errors, *errors[:room]]  # a new list: JSON columns track assignment
    job.last_line = fresh[-1].line
    db_session.flush()
    return len(fresh)


def finish_import(*, db_session: Session, import_id: str, now: datetime) -> StoreImport | None:
    """Mark a running import done; None if it is not running (a copy of the task)."""
    job = db_session.get(StoreImport, import_id, with_for_update=True)
    if job is None or job.status != "running":
        return None
    job.status = "done"
    job.total = job.processed if job.total is None else job.total
    job.finished_at = now
    db_session.flush()
    return job


def fail_import(
    *, db_session: Session, import_id: str, detail: str, now: datetime
) -> StoreImport | None:
    """Mark an import failed, saying why; lines committed before stay imported."""
    job = db_session.get(StoreImport, import_id, with_for_update=True)
    if job is None or job.status in ("done", "failed"):
        return None
    job.status = "failed"
    job.detail = detail[:500]
    job.finished_at = now
    db_session.flush()
    return job


def unfinished(*, db_session: Session, import_ids: Iterable[str]) -> set[str]:
    """Those of these imports still queued or running: their files are still needed."""
    ids = list(import_ids)
    if not ids:
        return set()
    return set(
        db_session.scalars(
            select(StoreImport.id).where(
                StoreImport.id.in_(ids), StoreImport.status.in_(("queued", "running"))
            )
        )
    )
