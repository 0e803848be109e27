"""Pure photo checks on a corpus the tests make: honest, blurred, dark, and hostile files."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image, ImageFilter

from backend import geo
from backend.validation.photos import (
    PhotoLimits,
    exif_checks,
    hamming,
    inspect_photo,
    perceptual_hash,
)
from tests.support.photos import jpeg, shelf, with_dimensions

LIMITS = PhotoLimits()


def by_name(report):
    return {check.name: check for check in report.checks}


def test_an_honest_photo_passes_every_check_from_a_reduced_decode():
    report = inspect_photo(jpeg(shelf()), LIMITS)
    checks = by_name(report)
    assert all(check.passed for check in report.checks), report.checks
    assert set(checks) == {
        "format",
        "pixels",
        "resolution",
        "decodes",
        "sharpness",
        "exposure",
        "trailing_data",
    }
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


def test_a_jpeg_with_html_appended_still_measures_as_an_image_but_is_flagged():
    checks = by_name(inspect_photo(jpeg(shelf()) + b"<html><script>alert(1)</script>", LIMITS))
    assert checks["decodes"].passed
    assert checks["sharpness"].passed
    trailing = checks["trailing_data"]
    assert (trailing.passed, trailing.hard) == (False, False)
    assert trailing.detail == {"trailing_bytes": 31, "markup": "<html"}


def test_a_motion_photo_trailer_is_not_a_doubt():
    checks = by_name(
        inspect_photo(jpeg(shelf()) + b"\x00\x00\x00\x18ftypmp42" + bytes(4000), LIMITS)
    )
    assert checks["trailing_data"].passed


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


def with_exif(taken="2026:11:23 10:00:00", offset="+01:00", gps=None, software=None) -> bytes:
    exif = Image.Exif()
    if software:
        exif[305] = software
    ifd = exif.get_ifd(0x8769)
    ifd[36867] = taken
    if offset:
        ifd[36881] = offset
    if gps:
        (lat, lat_ref), (lon, lon_ref) = gps
        exif.get_ifd(0x8825).update({1: lat_ref, 2: lat, 3: lon_ref, 4: lon})
    return jpeg(shelf(), exif=exif)


BRUSSELS = (50.8467, 4.3525)
WINDOW = (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


DRIFT = timedelta(minutes=5)  # FAIRFIELD_EXIF_CLOCK_DRIFT_MINUTES's default


def evidence(data: bytes, *, window=WINDOW, drift=DRIFT) -> dict:
    exif = inspect_photo(data, LIMITS).exif
    checks = exif_checks(
        exif,
        window=window,
        store=BRUSSELS,
        geofence_m=150,
        distance_m=geo.distance_m,
        clock_drift=drift,
    )
    return {check.name: check for check in checks}


def test_exif_time_place_and_software_are_read_and_checked_softly():
    # 10:00 in Brussels (+01:00) is 09:00 UTC, inside the claim; taken at the store.
    honest = evidence(
        with_exif(gps=(((50.0, 50.0, 48.12), "N"), ((4.0, 21.0, 9.0), "E")), software="1.2")
    )
    assert honest["exif_time"].passed
    assert honest["exif_time"].detail["taken_at"] == "2026-11-23T09:00:00+00:00"
    assert honest["exif_location"].passed
    assert honest["exif_location"].detail["distance_m"] < 30
    assert honest["software"].passed

    elsewhere = evidence(
        with_exif(
            taken="2026:11:20 09:00:00", gps=(((50.0, 52.0, 0.0), "N"), ((4.0, 21.0, 9.0), "E"))
        )
    )
    assert not elsewhere["exif_time"].passed
    assert not elsewhere["exif_location"].passed  # about 3 km north
    assert not any(check.hard for check in elsewhere.values())
    screenshot = evidence(with_exif(software="Android Screenshot"))
    assert screenshot["software"].detail["hint"] == "screenshot"


def test_a_time_without_offset_is_placed_only_within_fourteen_hours():
    loose = evidence(with_exif(taken="2026:11:23 20:00:00", offset=None))["exif_time"]
    assert loose.passed
    assert loose.detail["slack_hours"] == 14
    assert not evidence(with_exif(taken="2026:11:24 02:00:00", offset=None))["exif_time"].passed
    # The clock-drift margin comes on top of the fourteen hours.
    assert evidence(with_exif(taken="2026:11:24 00:04:00", offset=None))["exif_time"].passed
    assert not evidence(with_exif(taken="2026:11:24 00:06:00", offset=None))["exif_time"].passed


# A claim made at 11:02:55.838 UTC, its submission received at 11:40.
CLAIM = (
    datetime(2026, 11, 23, 11, 2, 55, 838000, tzinfo=UTC),
    datetime(2026, 11, 23, 11, 40, tzinfo=UTC),
)


def exif_time(taken: str, *, offset="+00:00", drift=DRIFT):
    return evidence(with_exif(taken=taken, offset=offset), window=CLAIM, drift=drift)["exif_time"]


def test_a_photo_stamped_the_second_of_the_claim_is_not_flagged():
    # EXIF keeps whole seconds and phone clocks drift: 11:02:55 is the claim's own second.
    check = exif_time("2026:11:23 11:02:55")
    assert check.passed
    assert check.detail["clock_drift_minutes"] == 5
    assert exif_time("2026:11:23 11:44:00").passed  # 4 minutes after the submission arrived


def test_a_photo_beyond_the_drift_margin_is_still_flagged():
    assert not exif_time("2026:11:23 10:56:55").passed  # 6 minutes before the claim
    assert not exif_time("2026:11:23 11:46:00").passed  # 6 minutes after the submission
    assert not exif_time("2026:11:23 12:56:55", offset="+02:00").passed  # 10:56:55 UTC


def test_the_drift_margin_is_the_setting():
    assert not exif_time("2026:11:23 11:02:55", drift=timedelta(0)).passed
    wide = exif_time("2026:11:23 10:56:55", drift=timedelta(minutes=10))
    assert wide.passed
    assert wide.detail["clock_drift_minutes"] == 10


def test_no_exif_gives_no_exif_checks_and_malformed_exif_is_a_soft_doubt():
    assert evidence(jpeg(shelf())) == {}
    data = with_exif(taken="not a date", offset="+99:xx")
    assert evidence(data) == {}
    # A broken EXIF segment: the APP1 length points past the end of its data.
    at = data.index(b"Exif\x00\x00")
    broken = data[: at + 6] + b"MM\x00\x2a\xff\xff\xff\xff" + data[at + 14 :]
    report = inspect_photo(broken, LIMITS)
    assert report.exif.taken_at is None
    assert all(check.passed for check in report.checks if check.name != "resolution")
    assert list(evidence(broken)) == ["exif_readable"]
