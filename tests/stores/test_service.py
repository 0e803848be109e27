"""Import service paths that HTTP cannot reach on demand: the database refusing a batch."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from backend.stores import service
from backend.stores.models import Store
from tests.support.factories import BrandFactory, StoreFactory


def test_a_refused_batch_is_retried_row_by_row(db, make, monkeypatch):
    brand = make(BrandFactory)
    make(StoreFactory, brand_id=brand.id, external_ref="X")
    original = service._upsert_rows

    def sabotaged(db_session, brand_id, batch):
        # As if another import saved external_ref "X" between our lookup and our insert.
        if any(line == 3 for line, _ in batch):
            db_session.add(
                Store(brand_id=brand_id, name="dup", latitude=1, longitude=1, external_ref="X")
            )
        return original(db_session, brand_id, batch)

    monkeypatch.setattr(service, "_upsert_rows", sabotaged)
    data = b"name,latitude,longitude,external_ref\nA,50.1,4.1,A\nB,50.2,4.2,B\nC,50.3,4.3,C\n"
    lines_seen = []
    with db.transaction() as session:
        result = service.import_stores_csv(
            db_session=session,
            brand_id=brand.id,
            stream=io.BytesIO(data),
            progress=lines_seen.append,
        )
    assert (result.created, result.updated) == (2, 0)
    assert [e["line"] for e in result.errors] == [3]
    assert lines_seen == [4]
    with db.transaction(write=False) as session:
        refs = set(session.scalars(select(Store.external_ref)))
        assert refs == {"X", "A", "C"}
        assert session.scalar(select(func.count()).select_from(Store)) == 3


def test_batches_keep_the_session_small(db, make, monkeypatch):
    brand = make(BrandFactory)
    monkeypatch.setattr(service, "BATCH_ROWS", 10)
    rows = "".join(f"S{i},50.{i},4.1,R{i}\n" for i in range(95))
    sizes = []
    with db.transaction() as session:
        result = service.import_stores_csv(
            db_session=session,
            brand_id=brand.id,
            stream=io.BytesIO(("name,latitude,longitude,external_ref\n" + rows).encode()),
            progress=lambda _lines: sizes.append(len(session.identity_map)),
        )
    assert result.created == 95
    assert len(sizes) == 10
    assert max(sizes) <= 1
