"""Photo reuse: exact copies by sha256, near copies by perceptual hash, through indexes.

The 64-bit perceptual hash is cut into four 16-bit bands, each indexed together with the
hash. If two hashes differ in at most m bits, at least one band differs in at most m // 4 of
them (pigeonhole): probing each band with its value and every variant m // 4 bits away finds
every match within m, never by a scan. At m = 7 that is 4 x 17 probes per photo; at a
million uniformly spread hashes they read about a thousand index entries, and the count grows
with the photos stored (see bench/reuse.py). `lock_keys` names what a validation locks so that
two which could match each other take turns, and no others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from sqlalchemy import and_, or_, select, union_all
from sqlalchemy.orm import Session

from backend.submissions.models import Photo
from backend.validation.photos import hamming

BANDS = 4
BAND_BITS = 16
_SIGN = 1 << 63


def to_signed(phash: int) -> int:
    """The unsigned 64-bit hash as the signed BIGINT both databases store."""
    return phash - (1 << 64) if phash >= _SIGN else phash


def to_unsigned(stored: int) -> int:
    return stored + (1 << 64) if stored < 0 else stored


def bands(phash: int) -> list[int]:
    """The hash's four 16-bit bands, most significant first."""
    mask = (1 << BAND_BITS) - 1
    return [(phash >> (BAND_BITS * (BANDS - 1 - i))) & mask for i in range(BANDS)]


def probes(band: int, flips: int) -> list[int]:
    """The band's value and every value within `flips` bits of it."""
    found = [band]
    for k in range(1, flips + 1):
        for bits in combinations(range(BAND_BITS), k):
            variant = band
            for bit in bits:
                variant ^= 1 << bit
            found.append(variant)
    return found


@dataclass(frozen=True)
class Match:
    photo_id: str
    submission_id: str
    hamming: int
    exact: bool


def _earlier(received_at: datetime, submission_id: str) -> object:
    # "Earlier" is the order of arrival, ties broken by id: the same on every worker.
    return or_(
        Photo.received_at < received_at,
        and_(Photo.received_at == received_at, Photo.submission_id < submission_id),
    )


def exact_matches(
    db_session: Session, *, sha256s: Sequence[str], submission_id: str, received_at: datetime
) -> dict[str, list[Match]]:
    """Photos of earlier submissions with the very same bytes, by sha256."""
    rows = db_session.execute(
        select(Photo.id, Photo.submission_id, Photo.sha256).where(
            Photo.sha256.in_(set(sha256s)),
            Photo.submission_id != submission_id,
            _earlier(received_at, submission_id),  # type: ignore[arg-type]
        )
    ).all()
    found: dict[str, list[Match]] = {}
    for row in rows:
        found.setdefault(row.sha256, []).append(Match(row.id, row.submission_id, 0, True))
    return found


def near_matches(
    db_session: Session,
    *,
    phash: int,
    max_hamming: int,
    submission_id: str,
    received_at: datetime | None = None,
    limit: int = 5,
) -> list[Match]:
    """Photos of other submissions (earlier ones only, given `received_at`) whose perceptual
    hash is within `max_hamming` bits.

    Two steps: the band probes read hashes only, from the (band, phash) indexes alone,
    never the table (about a thousand per lookup at a million photos); the few within reach
    are then looked up whole.
    """
    flips = max_hamming // BANDS
    columns = (Photo.band0, Photo.band1, Photo.band2, Photo.band3)
    candidates = union_all(
        *(
            select(Photo.phash).where(column.in_(probes(value, flips)))
            for column, value in zip(columns, bands(phash), strict=True)
        )
    )
    close: set[int] = {
        stored
        for stored in db_session.scalars(candidates)
        if stored is not None and hamming(phash, to_unsigned(stored)) <= max_hamming
    }
    if not close:
        return []
    stmt = select(Photo.id, Photo.submission_id, Photo.phash).where(
        Photo.band0.in_({bands(to_unsigned(stored))[0] for stored in close}),
        Photo.phash.in_(close),
        Photo.submission_id != submission_id,
    )
    if received_at is not None:
        stmt = stmt.where(_earlier(received_at, submission_id))  # type: ignore[arg-type]
    matches = [
        Match(row.id, row.submission_id, hamming(phash, to_unsigned(row.phash)), False)
        for row in db_session.execute(stmt)
    ]
    return sorted(matches, key=lambda m: m.hamming)[:limit]


def index_values(phash: int | None) -> dict[str, int | None]:
    """The columns a photo row stores for its hash."""
    if phash is None:
        return {"phash": None, "band0": None, "band1": None, "band2": None, "band3": None}
    b = bands(phash)
    return {"phash": to_signed(phash), "band0": b[0], "band1": b[1], "band2": b[2], "band3": b[3]}


def lock_keys(*, sha256s: Iterable[str], phashes: Iterable[int], max_hamming: int) -> list[int]:
    """The 64-bit advisory lock keys a validation takes, sorted (one order for every taker,
    so two never wait for each other in a cycle): any two submissions whose photos could
    match share a key, and two unrelated ones most likely none.

    An exact copy shares its sha256. A near copy, `max_hamming` bits or fewer away, shares a
    band exactly once the 64 bits are cut into `max_hamming + 1` bands (pigeonhole: the
    differing bits cannot touch every band). Every process must use the same threshold.
    """
    keys = {_advisory_key(f"sha256:{sha}") for sha in sha256s}
    for phash in phashes:
        keys.update(_advisory_key(f"phash:{band}") for band in lock_bands(phash, max_hamming))
    return sorted(keys)


def lock_bands(phash: int, max_hamming: int) -> list[tuple[int, int]]:
    """(band index, band value) of the hash cut into max_hamming + 1 bands of near-equal
    width; one band of everything when a match may differ in every bit."""
    count = max_hamming + 1
    if count > 64:
        return [(0, 0)]
    found = []
    start = 0
    for index in range(count):
        width = 64 // count + (1 if index < 64 % count else 0)
        found.append((index, (phash >> start) & ((1 << width) - 1)))
        start += width
    return found


def _advisory_key(name: str) -> int:
    digest = hashlib.blake2b(f"fairfield.reuse:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
