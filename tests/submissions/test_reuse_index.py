"""The reuse index: bands, probes, and lookups that find exactly what a scan would."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert

from backend.kernel.ids import new_id
from backend.submissions.models import Photo
from backend.validation import reuse
from backend.validation.photos import hamming
from tests.support.photos import jpeg, shelf
from tests.support.submitting import submit

HASHES = st.integers(min_value=0, max_value=2**64 - 1)


@given(HASHES)
def test_a_hash_survives_the_signed_column_and_splits_into_its_bands(phash):
    assert reuse.to_unsigned(reuse.to_signed(phash)) == phash
    assert -(2**63) <= reuse.to_signed(phash) < 2**63
    b = reuse.bands(phash)
    assert (b[0] << 48) | (b[1] << 32) | (b[2] << 16) | b[3] == phash


@given(st.integers(min_value=0, max_value=2**16 - 1))
def test_probes_are_the_band_and_every_value_one_bit_away(band):
    found = reuse.probes(band, 1)
    assert len(found) == len(set(found)) == 17
    assert all(hamming(band, other) <= 1 for other in found)


def test_near_lookups_find_exactly_what_a_scan_finds(app, client, db, claim):
    response = submit(client, claim(), [jpeg(shelf(seed=60))])
    owner = response.json["submission_id"]
    rng = random.Random(7)
    stored = [rng.getrandbits(64) for _ in range(3000)]
    # Plant near copies: each query has stored neighbours 0 to 9 bits away.
    queries = [rng.getrandbits(64) for _ in range(40)]
    for query in queries:
        for distance in range(10):
            bits = rng.sample(range(64), distance)
            stored.append(query ^ sum(1 << bit for bit in bits))
    now = datetime.now(UTC)
    rows = [
        {
            "id": new_id(),
            "submission_id": owner,
            "position": position + 1,  # 0 is the uploaded photo
            "sha256": f"{position:064x}",
            "size": 1,
            "received_at": now,
            **reuse.index_values(phash),
        }
        for position, phash in enumerate(stored)
    ]
    with db.transaction() as session:
        session.execute(insert(Photo), rows)
    with db.transaction(write=False) as session:
        for query in queries:
            found = reuse.near_matches(
                session, phash=query, max_hamming=7, submission_id="another", limit=100
            )
            expected = sorted(hamming(query, s) for s in stored if hamming(query, s) <= 7)
            assert sorted(m.hamming for m in found) == expected
            assert {m.submission_id for m in found} <= {owner}
