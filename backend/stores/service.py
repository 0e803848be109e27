"""Store services: create, edit, import a CSV (the list is in queries.py). They flush only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.accounts.models import Brand, User
from backend.errors import Conflict, Invalid
from backend.kernel.scoping import get_visible
from backend.missions import service as missions
from backend.stores import rules
from backend.stores.csvfile import CsvRows
from backend.stores.models import Store

BATCH_ROWS = 1000
MAX_REPORTED_ERRORS = 10_000  # a hostile file must not turn into a gigantic response


def create_store(
    *,
    db_session: Session,
    brand_id: str,
    name: str,
    latitude: float,
    longitude: float,
    chain: str | None = None,
    address: str | None = None,
    geofence_m: int | None = None,
    external_ref: str | None = None,
) -> Store:
    """Create one store for a brand."""
    geofence = rules.GEOFENCE_DEFAULT_M if geofence_m is None else geofence_m
    errors = rules.coordinate_problems(latitude, longitude) | rules.geofence_problems(geofence)
    if not name.strip():
        errors["name"] = ["Must not be blank."]
    if errors:
        raise Invalid("The store is not valid.", errors=errors)
    external_ref = (external_ref or "").strip() or None
    if external_ref and _store_by_ref(db_session, brand_id, external_ref) is not None:
        raise _ref_taken()
    store = Store(
        brand_id=brand_id,
        name=name.strip(),
        chain=chain,
        address=address,
        latitude=latitude,
        longitude=longitude,
        geofence_m=geofence,
        external_ref=external_ref,
    )
    try:
        with db_session.begin_nested():  # a concurrent insert of the same ref loses cleanly
            db_session.add(store)
    except IntegrityError:
        raise _ref_taken() from None
    return store


def get_store(*, db_session: Session, user: User, store_id: str) -> Store:
    """One store the user may see (its brand's users, admins); 404 otherwise."""
    return get_visible(db_session, Store, store_id, user)


# A worker on the way to (or back from) the old place: the store must not move under them.
IN_USE_STATUSES = ("claimed", "submitted")


def edit_store(*, db_session: Session, store: Store, changes: dict[str, Any]) -> Store:
    """Change a store's fields; moving it (coordinates or geofence) carries its missions'
    copy of where it is along, and is 409 `store_in_use` while a mission there is claimed
    or submitted. Nothing is written unless all of it is valid."""
    merged = {field: getattr(store, field) for field in rules.STORE_FIELDS} | changes
    errors = rules.coordinate_problems(merged["latitude"], merged["longitude"])
    errors |= rules.geofence_problems(merged["geofence_m"])
    if not merged["name"].strip():
        errors["name"] = ["Must not be blank."]
    if errors:
        raise Invalid("The store is not valid.", errors=errors)
    moved = [f for f in rules.PLACE_FIELDS if merged[f] != getattr(store, f)]
    if moved:
        _check_not_in_use(db_session, store, moved)
    merged["name"] = merged["name"].strip()
    for name, value in merged.items():
        setattr(store, name, value)
    if {"latitude", "longitude"} & set(moved):
        missions.move_missions_of_store(
            db_session=db_session,
            store_id=store.id,
            latitude=store.latitude,
            longitude=store.longitude,
        )
    db_session.flush()
    return store


def _check_not_in_use(db_session: Session, store: Store, moved: list[str]) -> None:
    """409 `store_in_use` while a mission at the store is claimed or submitted.

    Locked (PostgreSQL): an open mission is locked too, since a claim in flight may be turning
    it claimed; that claim settles first and is seen here. One that comes later waits, then
    claims the mission at the new place.
    """
    statuses = missions.lock_missions_at_store(db_session=db_session, store_id=store.id)
    busy = [status for status in statuses if status in IN_USE_STATUSES]
    if busy:
        raise Conflict(
            f"{len(busy)} missions at this store are claimed or submitted; it can move once "
            "they are done.",
            code="store_in_use",
            errors={name: ["Cannot change while a mission here is under way."] for name in moved},
            extra={"missions": len(busy)},
        )


def find_brand(*, db_session: Session, name_or_id: str) -> Brand | None:
    """A brand by id, else by exact name."""
    brand = db_session.get(Brand, name_or_id)
    return brand or db_session.scalar(select(Brand).where(Brand.name == name_or_id))


# CSV import


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"line": line, "message": message})


Progress = Callable[[int], None]


@dataclass(frozen=True)
class CsvRecord:
    """A data line of a store CSV: the store fields it gives, or the problems that stop it."""

    line: int
    data: dict[str, Any] | None
    problems: list[str]


class StoreRows:
    """The data lines of a store CSV, parsed one at a time in bounded memory; the header is
    read and checked on creation (422 naming `file` for a file that is no store CSV)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._rows = CsvRows(stream)
        self._records = iter(self._rows)
        self.header = _read_header(next(self._records, None))

    @property
    def lines_read(self) -> int:
        """Physical lines read so far, the header included."""
        return self._rows.lines_read

    def __iter__(self) -> Iterator[CsvRecord]:
        width = len(self.header)
        for row in self._records:
            if row.problem:
                yield CsvRecord(row.line, None, [row.problem])
                continue
            if not any(cell.strip() for cell in row.cells):
                continue  # blank lines are not stores
            if len(row.cells) != width:
                yield CsvRecord(
                    row.line, None, [f"expected {width} fields, found {len(row.cells)}."]
                )
                continue
            data, problems = rules.parse_row(dict(zip(self.header, row.cells, strict=True)))
            yield CsvRecord(row.line, None if problems else data, problems)


def import_stores_csv(
    *, db_session: Session, brand_id: str, stream: IO[bytes], progress: Progress | None = None
) -> ImportResult:
    """Create or update a brand's stores from CSV bytes, in batches, in bounded memory.

    Rows with an `external_ref` the brand already has update that store (only when something
    changed); other rows create stores. Bad lines are reported by line number and skipped.
    `progress(lines_read)` is called after each batch.
    """
    rows = StoreRows(stream)
    result = ImportResult()
    batch: list[tuple[int, dict[str, Any]]] = []
    for record in rows:
        if record.data is None:
            result.error(record.line, " ".join(record.problems))
            continue
        batch.append((record.line, record.data))
        if len(batch) >= BATCH_ROWS:
            import_batch(db_session, brand_id, batch, result)
            batch = []
            if progress:
                progress(rows.lines_read)
    import_batch(db_session, brand_id, batch, result)
    if progress:
        progress(rows.lines_read)
    return result


def _read_header(row: Any) -> list[str]:
    if row is None:
        raise Invalid(
            "The file is empty.",
            errors={"file": ["The first line must name the columns: " + _columns() + "."]},
        )
    if row.problem or not all(rules.is_clean_text(cell) for cell in row.cells):
        raise Invalid(
            "The first line is not a CSV header in UTF-8; is this a CSV file?",
            errors={"file": [f"line 1: {row.problem or 'not UTF-8 text.'}"]},
        )
    header = rules.normalize_header(row.cells)
    if problems := rules.header_problems(header):
        raise Invalid("The header row cannot be imported.", errors={"file": problems})
    return header


def _columns() -> str:
    return ", ".join(rules.CSV_COLUMNS)


def import_batch(
    db_session: Session,
    brand_id: str,
    batch: list[tuple[int, dict[str, Any]]],
    result: ImportResult,
) -> None:
    """Create or update the stores of these parsed lines, counting into `result`."""
    if not batch:
        return
    # One savepoint for the batch; if the database still refuses it (a concurrent import of
    # the same external_ref), redo the batch one savepoint per row so only that row fails.
    try:
        with db_session.begin_nested():
            created, updated, touched = _upsert_rows(db_session, brand_id, batch)
    except IntegrityError:
        created, updated, touched = 0, 0, []
        for line, data in batch:
            try:
                with db_session.begin_nested():
                    c, u, t = _upsert_rows(db_session, brand_id, [(line, data)])
            except IntegrityError:
                result.error(line, "external_ref: used by a store saved at the same moment.")
                continue
            created, updated, touched = created + c, updated + u, touched + t
    result.created += created
    result.updated += updated
    for store in touched:  # keep the session (and memory) small across a large file
        if store in db_session:
            db_session.expunge(store)


def _upsert_rows(
    db_session: Session, brand_id: str, batch: list[tuple[int, dict[str, Any]]]
) -> tuple[int, int, list[Store]]:
    refs = {str(data["external_ref"]) for _, data in batch if data["external_ref"]}
    known: dict[str, Store] = {}
    if refs:
        stmt = select(Store).where(Store.brand_id == brand_id, Store.external_ref.in_(refs))
        known = {str(s.external_ref): s for s in db_session.scalars(stmt)}
    touched = list(known.values())
    created = updated = 0
    for _line, data in batch:
        ref = data["external_ref"]
        store = known.get(ref) if ref else None
        if store is None:
            store = Store(brand_id=brand_id, **data)
            db_session.add(store)
            touched.append(store)
            created += 1
            if ref:
                known[ref] = store
            continue
        changes = {k: data[k] for k in rules.STORE_FIELDS if getattr(store, k) != data[k]}
        if changes:
            for key, value in changes.items():
                setattr(store, key, value)
            updated += 1
    db_session.flush()
    return created, updated, touched


def _store_by_ref(db_session: Session, brand_id: str, external_ref: str) -> Store | None:
    return db_session.scalar(
        select(Store).where(and_(Store.brand_id == brand_id, Store.external_ref == external_ref))
    )


def _ref_taken() -> Conflict:
    return Conflict(
        "The brand already has a store with this external_ref.",
        code="external_ref_taken",
        errors={"external_ref": ["Already used by another store of this brand."]},
    )
