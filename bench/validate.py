"""Photo validation speed on 12 MP phone JPEGs: the real checks beside Pillow's own decodes."""

from __future__ import annotations

import io
import itertools
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from backend.validation.photos import (
    DRAFT_SCALE,
    PhotoLimits,
    _exposure,
    _sharpness,
    _trailing,
    inspect_photo,
    perceptual_hash,
    read_exif,
)
from bench.common import percentiles

WIDTH, HEIGHT, QUALITY, FILES = 4000, 3000, 90, 6
BRUSSELS = (50.8467, 4.3525)
LIMITS = PhotoLimits()


def shelf_pixels(seed: int) -> np.ndarray:
    """A 4000 x 3000 shelf: rows of packs with labels and lines of text, lit unevenly, grainy."""
    rng = np.random.default_rng(seed)
    img = np.empty((HEIGHT, WIDTH, 3), np.float32)
    img[:] = rng.integers(90, 170, 3)
    edges = np.linspace(0, HEIGHT, int(rng.integers(6, 10)) + 1).astype(int)
    for top, bottom in itertools.pairwise(edges):
        floor = bottom - 40
        img[floor:bottom] = rng.integers(20, 60, 3)  # the shelf's edge
        left = 0
        while left < WIDTH:
            w = int(rng.integers(110, 260))
            h = int(rng.integers((bottom - top) // 2, bottom - top - 50))
            img[floor - h : floor, left + 4 : left + w - 4] = rng.integers(30, 235, 3)
            label = floor - h + h // 4
            img[label : label + h // 3, left + 20 : left + w - 20] = rng.integers(170, 250, 3)
            for line in range(label + 12, label + h // 3 - 8, 18):
                right = left + int(rng.integers(w // 2, w - 28))
                img[line : line + 7, left + 28 : right] = rng.integers(10, 80, 3)
            left += w
    light = np.outer(
        np.linspace(rng.uniform(0.7, 1.0), rng.uniform(0.8, 1.1), HEIGHT, dtype=np.float32),
        np.linspace(rng.uniform(0.75, 1.05), rng.uniform(0.75, 1.05), WIDTH, dtype=np.float32),
    )
    img *= light[:, :, None]
    img += rng.normal(0, 6, (HEIGHT, WIDTH, 1)).astype(np.float32)  # sensor grain
    return np.clip(img, 0, 255).astype(np.uint8)


def _dms(value: float) -> tuple[float, float, float]:
    degrees, rest = divmod(abs(value) * 3600, 3600)
    minutes, seconds = divmod(rest, 60)
    return degrees, minutes, round(seconds, 4)


def phone_jpeg(pixels: np.ndarray, taken_at: datetime, gps: tuple[float, float]) -> bytes:
    """Quality 90 with a phone's EXIF: make, model, local capture time (no offset), GPS."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Fairphone", "FP5"
    exif.get_ifd(0x8769)[36867] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif.get_ifd(0x8825).update({1: "N", 2: _dms(gps[0]), 3: "E", 4: _dms(gps[1])})
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=QUALITY, exif=exif)
    return out.getvalue()


def full_decode(data: bytes) -> None:
    """Pillow's whole decode, every pixel in RGB."""
    Image.open(io.BytesIO(data)).load()


def draft_decode(data: bytes) -> None:
    """Pillow's JPEG draft decode to 1/8 greyscale, and nothing else."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    image.draft("L", (width // DRAFT_SCALE, height // DRAFT_SCALE))
    image.convert("L")


def validation(data: bytes) -> None:
    """What the validation task does per photo: inspect_photo, then the perceptual hash."""
    report = inspect_photo(data, LIMITS)
    assert report.reduced is not None
    perceptual_hash(report.reduced)


def full_decode_validation(data: bytes) -> None:
    """The same checks and hash on a full decode reduced to 1/8 afterwards (box filter)."""
    image = Image.open(io.BytesIO(data))
    read_exif(image)
    reduced = image.convert("L").reduce(DRAFT_SCALE)
    pixels = np.asarray(reduced, dtype=np.float32)
    _sharpness(pixels, LIMITS)
    _exposure(pixels, LIMITS)
    _trailing(data)
    perceptual_hash(reduced)


METHODS: dict[str, Callable[[bytes], None]] = {
    "validation": validation,
    "pillow_draft_decode": draft_decode,
    "pillow_full_decode": full_decode,
    "full_decode_validation": full_decode_validation,
}


def _interleaved(files: list[bytes], rounds: int) -> dict[str, list[float]]:
    """Seconds per photo for each method, taking turns photo by photo so drift hits all."""
    samples: dict[str, list[float]] = {name: [] for name in METHODS}
    for data in files:  # warm: imports, allocator, the DCT matrix
        for fn in METHODS.values():
            fn(data)
    for i in range(rounds):
        data = files[i % len(files)]
        names = list(METHODS)
        for name in names[i % len(names) :] + names[: i % len(names)]:
            start = time.perf_counter()
            METHODS[name](data)
            samples[name].append(time.perf_counter() - start)
    return samples


def run(rounds: int) -> dict[str, Any]:
    """Milliseconds per photo and photos/s on one core for each method, and their ratios."""
    taken = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="ff-bench-photos-") as tmp:
        paths = []
        for seed in range(FILES):
            path = Path(tmp) / f"shelf{seed}.jpg"
            path.write_bytes(phone_jpeg(shelf_pixels(seed), taken, BRUSSELS))
            paths.append(path)
        files = [path.read_bytes() for path in paths]
    for data in files:
        report = inspect_photo(data, LIMITS)
        failed = [c.name for c in report.checks if not c.passed]
        assert not failed, failed
        assert report.exif.gps is not None
    # One core: the measuring thread is pinned, and every step here is single-threaded.
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(cores)})
    try:
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        samples = _interleaved(files, rounds)
        cpu_share = (time.thread_time() - cpu_start) / (time.perf_counter() - wall_start)
    finally:
        os.sched_setaffinity(0, cores)
    result: dict[str, Any] = {
        "photos": {
            "files": FILES,
            "width": WIDTH,
            "height": HEIGHT,
            "quality": QUALITY,
            "mean_bytes": int(np.mean([len(data) for data in files])),
        },
        "thread_cpu_over_wall": round(cpu_share, 3),
    }
    for name, seconds in samples.items():
        stats = percentiles(seconds)
        stats["photos_per_s_per_core"] = round(1000 / stats["p50_ms"], 1)
        result[name] = stats
    ms = {name: result[name]["p50_ms"] for name in METHODS}
    result["validation_over_draft_decode"] = round(ms["validation"] / ms["pillow_draft_decode"], 3)
    result["full_decode_validation_over_validation"] = round(
        ms["full_decode_validation"] / ms["validation"], 2
    )
    return result
