"""Pure photo checks on a corpus the tests make: honest, blurred, dark, and hostile files."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image, ImageFilter

from backend.validation.photos import PhotoLimits, hamming, inspect_photo, perceptual_hash

LIMITS = PhotoLimits()


def shelf(width=1600, height=1200, seed=3) -> Image.Image:
    """A phone-like shelf photo: rows of coloured packs with texture and edges."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(60, 200, (height, width, 3), dtype=np.uint8)
    for top in range(0, height, 150):
        for left in range(0, width, 90):
            colour = rng.integers(30, 230, 3, dtype=np.uint8)
            pixels[top + 10 : top + 140, left + 5 : left + 85] = colour
    return Image.fromarray(pixels)


def jpeg(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def with_dimensions(data: bytes, width: int, height: int) -> bytes:
    """The same JPEG whose frame header claims another size."""
    at = data.index(b"\xff\xc0")
    return data[: at + 5] + struct.pack(">HH", height, width) + data[at + 9 :]


def by_name(report):
    return {check.name: check for check in report.checks}


def test_an_honest_photo_passes_every_check_from_a_reduced_decode():
    report = inspect_photo(jpeg(shelf()), LIMITS)
    checks = by_name(report)
    assert all(check.passed for check in report.checks), report.checks
    assert set(checks) == {"format", "pixels", "resolution", "decodes", "sharpness", "exposure"}
    assert checks["decodes"].detail["reduced_to"] == [200, 150]  # 1/8 per side, not a full decode
    assert report.reduced is not None
    assert report.reduced.mode == "L"


def test_a_blurred_photo_fails_sharpness_only_and_softly():
    sharp = by_name(inspect_photo(jpeg(shelf()), LIMITS))["sharpness"]
    blurred_report = inspect_photo(jpeg(shelf().filter(ImageFilter.GaussianBlur(12))), LIMITS)
    blurred = by_name(blurred_report)["sharpness"]
    assert not blurred.passed
    assert not blurred.hard
    assert blurred.detail["laplacian_variance"] < LIMITS.min_sharpness
    assert sharp.detail["laplacian_variance"] > 10 * blurred.detail["laplacian_variance"]
    assert [c.name for c in blurred_report.checks if not c.passed] == ["sharpness"]


def test_a_dark_photo_fails_exposure_softly_with_its_numbers():
    dark = shelf().point(lambda value: value // 8)
    check = by_name(inspect_photo(jpeg(dark), LIMITS))["exposure"]
    assert not check.passed
    assert not check.hard
    assert check.detail["mean_luminance"] < LIMITS.min_luminance


def test_a_small_photo_is_a_doubt_not_a_rejection():
    check = by_name(inspect_photo(jpeg(shelf(640, 480)), LIMITS))["resolution"]
    assert (check.passed, check.hard, check.detail["short_side"]) == (False, False, 480)


@pytest.mark.parametrize(
    ("name", "data", "failing"),
    [
        ("zero bytes", b"", "format"),
        ("text named .jpg", b"<html>not a photo</html>", "format"),
        ("random bytes", np.random.default_rng(1).bytes(1_000_000), "format"),
        ("a PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "format"),
        ("a JPEG magic then garbage", b"\xff\xd8\xff" + b"\x00" * 500, "format"),
    ],
)
def test_what_is_not_a_jpeg_fails_format_hard(name, data, failing):
    report = inspect_photo(data, LIMITS)
    (check,) = report.checks
    assert (check.name, check.passed, check.hard) == (failing, False, True), name
    assert report.reduced is None


def test_a_tiff_sent_as_a_jpeg_fails_format():
    out = io.BytesIO()
    shelf(200, 200).save(out, "TIFF")
    (check,) = inspect_photo(out.getvalue(), LIMITS).checks
    assert (check.name, check.passed) == ("format", False)


@pytest.mark.parametrize(("width", "height"), [(65_000, 65_000), (10_000, 6_000)])
def test_a_header_claiming_too_many_pixels_fails_before_any_decode(width, height):
    data = with_dimensions(jpeg(shelf(320, 240)), width, height)
    (check,) = inspect_photo(data, LIMITS).checks
    assert (check.name, check.passed, check.hard) == ("pixels", False, True)


def test_a_truncated_jpeg_fails_to_decode_cleanly():
    data = jpeg(shelf())
    checks = by_name(inspect_photo(data[: len(data) // 2], LIMITS))
    assert checks["format"].passed
    assert (checks["decodes"].passed, checks["decodes"].hard) == (False, True)
    assert "sharpness" not in checks


def test_a_jpeg_with_html_appended_still_measures_as_an_image():
    checks = by_name(inspect_photo(jpeg(shelf()) + b"<script>alert(1)</script>", LIMITS))
    assert checks["decodes"].passed
    assert checks["sharpness"].passed


def phash(data: bytes) -> int:
    reduced = inspect_photo(data, LIMITS).reduced
    assert reduced is not None
    return perceptual_hash(reduced)


def test_the_same_picture_re_encoded_or_resized_keeps_its_hash_within_a_few_bits():
    original = shelf()
    first = phash(jpeg(original))
    assert 0 <= first < 2**64
    assert hamming(first, phash(jpeg(original, optimize=True))) == 0
    assert hamming(first, phash(jpeg(original.resize((1200, 900)), subsampling=2))) <= 4
    lighter = original.point(lambda value: min(255, value + 12))
    assert hamming(first, phash(jpeg(lighter))) <= 4


def test_different_shelves_are_far_apart():
    hashes = [phash(jpeg(shelf(seed=seed))) for seed in range(6)]
    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) >= 16, distances
