"""JSON shapes of store imports."""

from __future__ import annotations

from typing import Any

from backend.stores.models import StoreImport


def store_import_out(job: StoreImport) -> dict[str, Any]:
    """An import as it stands: status, progress (`processed` of `total`), counts, errors."""
    return {
        "id": job.id,
        "brand_id": job.brand_id,
        "status": job.status,
        "total": job.total,
        "processed": job.processed,
        "created": job.created,
        "updated": job.updated,
        "error_count": job.error_count,
        "errors": [dict(error) for error in job.errors or []],
        "detail": job.detail,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }
