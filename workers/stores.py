"""Store imports as a task: the file's lines in chunks, each committed with its progress."""

from __future__ import annotations

from celery import Task, shared_task

from backend.db import get_db
from backend.errors import DomainError
from backend.kernel.clock import utcnow
from backend.outbox import service as outbox
from backend.settings import current_settings
from backend.stores import importfiles, imports
from backend.stores.service import StoreRows

# A file a day old whose import is over, or was never recorded (its request failed after
# saving it), is left over: no import takes that long to start or to run.
LEFT_OVER_AFTER_S = 86400.0


@shared_task(name=imports.TASK, bind=True, ignore_result=True)
def run_import(self: Task, import_id: str) -> str | None:
    """Import a queued store CSV, going on after the last line a previous run committed."""
    db, var_dir = get_db(), current_settings().var_dir
    with db.transaction() as session:
        job = imports.begin_import(db_session=session, import_id=import_id, now=utcnow())
    if job is None:  # over already: this is a copy
        with db.transaction() as session:
            outbox.consume_once(db_session=session, message_id=self.request.id)
        importfiles.discard(var_dir, import_id)
        return None
    try:
        path = importfiles.local_copy(var_dir, import_id)  # taken on another node, maybe
        total = job.total
        if total is None:
            with path.open("rb") as stream:
                total = imports.count_lines(stream)
            with db.transaction() as session:
                imports.set_total(db_session=session, import_id=import_id, total=total)
        with path.open("rb") as stream:
            chunks = imports.pending_chunks(
                StoreRows(stream), after_line=job.last_line, size=imports.chunk_lines(total)
            )
            # Each chunk is parsed before its transaction opens: the lock is held for writes.
            for chunk in chunks:
                with db.transaction() as session:
                    imports.import_chunk(db_session=session, import_id=import_id, records=chunk)
    except (OSError, DomainError) as exc:
        # The file is gone or no longer a store CSV: nothing a retry could mend.
        detail = exc.detail if isinstance(exc, DomainError) else "The uploaded file is gone."
        return _end(self, import_id, var_dir, failed=detail)
    return _end(self, import_id, var_dir, failed=None)


def _end(task: Task, import_id: str, var_dir: str, *, failed: str | None) -> str | None:
    """Close the import and its outbox message together, then drop the file."""
    with get_db().transaction() as session:
        if not outbox.consume_once(db_session=session, message_id=task.request.id):
            return None
        if failed is None:
            job = imports.finish_import(db_session=session, import_id=import_id, now=utcnow())
        else:
            job = imports.fail_import(
                db_session=session, import_id=import_id, detail=failed, now=utcnow()
            )
        status = job.status if job is not None else None
    importfiles.discard(var_dir, import_id)
    return status


@shared_task(name="stores.sweep_import_files", ignore_result=True)
def sweep_import_files() -> int:
    """Delete import files left over by failed requests and killed tasks, in this node's var
    folder and in the bucket (with several nodes); returns how many."""
    var_dir = current_settings().var_dir
    cutoff = importfiles.age_cutoff(LEFT_OVER_AFTER_S)
    old, in_bucket = (
        importfiles.written_before(var_dir, cutoff),
        importfiles.in_bucket_before(cutoff),
    )
    with get_db().transaction(write=False) as session:
        needed = imports.unfinished(db_session=session, import_ids=old.keys() | in_bucket.keys())
    deleted = 0
    for name, path in old.items():
        if name not in needed:
            path.unlink(missing_ok=True)
            deleted += 1
    for name, key in in_bucket.items():
        if name not in needed:
            importfiles.drop_from_bucket(key)
            deleted += 1
    return deleted
