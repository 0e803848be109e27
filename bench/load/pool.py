"""The photo pool: distinct 12 MP phone JPEGs made before the run that uses them."""

from __future__ import annotations

import itertools
import os
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from backend.validation.photos import inspect_photo, perceptual_hash
from bench import validate
from bench.pipeline import BASES, STRIPS
from tests.support.submitting import BRUSSELS

_BASES: list[np.ndarray] = []


def _pool_photo(job: tuple[str, int]) -> tuple[int, int]:
    """Photo k of the pool, written as <pair>-<0|1>.jpg: a base shelf cut in strips, each
    shifted, maybe mirrored and recoloured (as bench/pipeline.py makes them); its hash, size."""
    folder, k = job
    rng = np.random.default_rng((11, k))
    base = _BASES[k % BASES]
    pixels = np.empty_like(base)
    for top, bottom in itertools.pairwise(np.linspace(0, validate.HEIGHT, STRIPS + 1).astype(int)):
        strip = np.roll(base[top:bottom], int(rng.integers(validate.WIDTH)), 1)
        strip = strip[:, ::-1] if rng.integers(2) else strip
        pixels[top:bottom] = strip[:, :, rng.permutation(3)]
    data = validate.phone_jpeg(pixels, datetime.now(UTC), BRUSSELS)
    (Path(folder) / f"{k // 2:06d}-{k % 2}.jpg").write_bytes(data)
    reduced = inspect_photo(data, validate.LIMITS).reduced
    assert reduced is not None
    return perceptual_hash(reduced), len(data)


@dataclass
class PhotoPool:
    """Pairs of distinct 12 MP phone JPEGs in a folder, made on every core before the run
    that uses them (the soak's once the knee says how many it needs)."""

    folder: Path
    pairs: int = 0
    hashes: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    made: list[dict[str, Any]] = field(default_factory=list)
    # Set for the pool's last user (the PostgreSQL run): each pair is removed once read, so
    # that the pool and the photos it becomes do not take the disk twice over.
    consume: bool = False

    def grow(self, pairs: int, why: str) -> None:
        """Make pairs until there are `pairs` in all."""
        if pairs <= self.pairs:
            return
        started = time.perf_counter()
        self.folder.mkdir(parents=True, exist_ok=True)
        fork = get_context("fork")
        if not _BASES:
            with fork.Pool(os.cpu_count() or 2) as pool:
                _BASES[:] = pool.map(validate.shelf_pixels, [100 + b for b in range(BASES)])
        jobs = [(str(self.folder), k) for k in range(self.pairs * 2, pairs * 2)]
        with fork.Pool(os.cpu_count() or 2) as pool:  # forked after: the bases shared, not sent
            for phash, size in pool.map(_pool_photo, jobs, chunksize=4):
                self.hashes.append(phash)
                self.sizes.append(size)
        self.made.append(
            {"for": why, "pairs": pairs - self.pairs, "s": round(time.perf_counter() - started, 1)}
        )
        self.pairs = pairs

    def discard(self, below: int) -> None:
        """Remove the files of pairs below `below`, which no run will use again."""
        for index in range(below):
            for j in range(2):
                (self.folder / f"{index:06d}-{j}.jpg").unlink(missing_ok=True)

    def pair(self, index: int) -> list[bytes]:
        if index >= self.pairs:
            raise RuntimeError(f"the photo pool ({self.pairs} pairs) ran out")
        files = [self.folder / f"{index:06d}-{j}.jpg" for j in range(2)]
        photos = [file.read_bytes() for file in files]
        if self.consume:
            for file in files:
                file.unlink(missing_ok=True)
        return photos

    def report(self) -> dict[str, Any]:
        hashes = np.array(self.hashes, dtype=np.uint64)
        nearest = min(
            (
                int(np.bitwise_count(hashes[i + 1 :] ^ hashes[i]).min())
                for i in range(len(hashes) - 1)
            ),
            default=64,
        )
        return {
            "pairs": self.pairs,
            "photo_bytes_mean": int(statistics.mean(self.sizes)),
            "least_hamming_between_photos": nearest,
            "made": self.made,
        }
