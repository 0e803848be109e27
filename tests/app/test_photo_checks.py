"""The photo checks on the device (static/app/js/photocheck.js) in headless Chromium with
mobile emulation: a blurred and a dark photo are flagged in words, a sharp one is not, and on
20 photos each at least 20 % away from every threshold the phone and the server agree."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image, ImageFilter

from backend.validation.photos import PhotoLimits, inspect_photo
from tests.support.console import console_errors, wait
from tests.support.factories import UserFactory
from tests.support.phone import camera_exif
from tests.support.photos import jpeg, shelf

# The checks stand on the photo's bytes alone: one backend is enough.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

MARGIN = 0.2
PIXEL_CHECKS = ("resolution", "sharpness", "exposure")


def photo(image: Image.Image, *, position: bool = True) -> bytes:
    return jpeg(image, exif=camera_exif(position=position))


def half_glare(image: Image.Image) -> Image.Image:
    """The top third burnt to white, as a shelf under a strip light."""
    glared = image.copy()
    glared.paste((255, 255, 255), (0, 0, image.width, int(image.height * 0.33)))
    return glared


# (name, image): sharp, blurred, dark, small, glared, and their mixes; every one is checked
# below to sit at least MARGIN away from each threshold on the server's own measure.
CORPUS = [
    ("sharp 1", lambda: shelf(1200, 900, seed=11)),
    ("sharp 2", lambda: shelf(1600, 1200, seed=12)),
    ("sharp 3", lambda: shelf(1203, 905, seed=13)),
    ("sharp portrait", lambda: shelf(900, 1200, seed=14)),
    ("slightly soft", lambda: shelf(1200, 900, seed=15).filter(ImageFilter.GaussianBlur(2))),
    ("blurred 10", lambda: shelf(1200, 900, seed=16).filter(ImageFilter.GaussianBlur(10))),
    ("blurred 12", lambda: shelf(1600, 1200, seed=17).filter(ImageFilter.GaussianBlur(12))),
    ("blurred 20", lambda: shelf(1200, 900, seed=18).filter(ImageFilter.GaussianBlur(20))),
    ("dark", lambda: shelf(1200, 900, seed=19).point(lambda v: v // 8)),
    ("very dark", lambda: shelf(1200, 900, seed=20).point(lambda v: v // 12)),
    ("dim but fine", lambda: shelf(1200, 900, seed=21).point(lambda v: int(v * 0.6))),
    (
        "dark and blurred",
        lambda: (
            shelf(1200, 900, seed=22).filter(ImageFilter.GaussianBlur(10)).point(lambda v: v // 8)
        ),
    ),
    ("small sharp", lambda: shelf(560, 420, seed=23)),
    ("small blurred", lambda: shelf(560, 420, seed=24).filter(ImageFilter.GaussianBlur(12))),
    ("small portrait", lambda: shelf(420, 560, seed=25)),
    ("glare", lambda: half_glare(shelf(1200, 900, seed=26))),
    (
        "glare blurred",
        lambda: half_glare(shelf(1200, 900, seed=27).filter(ImageFilter.GaussianBlur(10))),
    ),
    ("bright but fine", lambda: shelf(1200, 900, seed=28).point(lambda v: min(255, int(v * 1.15)))),
    ("sharp 4", lambda: shelf(2000, 1500, seed=29)),
    ("soft small", lambda: shelf(560, 420, seed=30).filter(ImageFilter.GaussianBlur(3))),
]


def server_view(data: bytes, limits: PhotoLimits) -> dict[str, Any]:
    """What backend.validation.photos says of these bytes: each pixel check and its numbers."""
    checks = {c.name: c for c in inspect_photo(data, limits).checks}
    return {
        "passed": {name: checks[name].passed for name in PIXEL_CHECKS},
        "short_side": checks["resolution"].detail["short_side"],
        "sharpness": checks["sharpness"].detail["laplacian_variance"],
        "luminance": checks["exposure"].detail["mean_luminance"],
        "clipped": checks["exposure"].detail["clipped_share"],
    }


def away(value: float, threshold: float) -> bool:
    return abs(value - threshold) >= MARGIN * threshold


def assert_clear_of_thresholds(name: str, seen: dict[str, Any], rules: dict[str, Any]) -> None:
    for metric, threshold in (
        ("short_side", rules["min_short_side"]),
        ("sharpness", rules["min_sharpness"]),
        ("luminance", rules["min_luminance"]),
        ("luminance", rules["max_luminance"]),
        ("clipped", rules["max_clipped"]),
    ):
        assert away(seen[metric], threshold), (name, metric, seen[metric], threshold)


@pytest.fixture
def page(gunicorn: str, make: Any, auth_headers: Any, phone: Any) -> Any:
    """The app open on the phone, with a worker's token for the page's own API calls."""
    origin = gunicorn.removesuffix("/api/v1")
    phone.get(f"{origin}/app/")
    wait(phone, lambda d: d.execute_script("return document.readyState") == "complete")
    phone.token = auth_headers(make(UserFactory))["Authorization"]
    return phone


def rules_in_page(page: Any) -> dict[str, Any]:
    """GET /photo-rules as the page asks it."""
    return page.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/api/v1/photo-rules', {headers: {Authorization: arguments[0]}})"
        ".then(r => r.json()).then(done, e => done({error: String(e)}));",
        page.token,
    )


def check_in_page(page: Any, data: bytes, rules: dict[str, Any] | None) -> dict[str, Any]:
    """checkPhoto(blob, rules) in the page, on these exact bytes."""
    answer = page.execute_async_script(
        "const [b64, rules, done] = arguments;"
        "const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));"
        "import('/app/js/photocheck.js')"
        ".then(m => m.checkPhoto(new Blob([bytes], {type: 'image/jpeg'}), rules))"
        ".then(r => done(JSON.stringify(r)), e => done(JSON.stringify({error: String(e)})));",
        base64.b64encode(data).decode(),
        rules,
    )
    result: dict[str, Any] = json.loads(answer)
    assert "error" not in result, result
    return result


def test_a_blurred_and_a_dark_photo_are_flagged_in_words_and_a_sharp_one_is_not(page):
    rules = rules_in_page(page)
    sharp = check_in_page(page, photo(shelf(seed=3)), rules)
    blurred = check_in_page(page, photo(shelf(seed=3).filter(ImageFilter.GaussianBlur(12))), rules)
    dark = check_in_page(page, photo(shelf(seed=3).point(lambda v: v // 8)), rules)
    assert sharp["ok"], sharp
    assert sharp["problems"] == []
    assert not blurred["ok"]
    assert [p["message"] for p in blurred["problems"]] == ["Too blurred: hold still and retake"]
    assert not dark["ok"]
    assert "dark" in [p["code"] for p in dark["problems"]]
    messages = [p["message"] for p in dark["problems"]]
    assert any(m.startswith("Too dark:") for m in messages), messages
    assert blurred["metrics"]["sharpness"] < rules["min_sharpness"] < sharp["metrics"]["sharpness"]
    assert console_errors(page) == []


def test_missing_exif_is_said_in_words_and_hostile_exif_is_no_exif(page):
    rules = rules_in_page(page)
    bare = check_in_page(page, jpeg(shelf(seed=4)), rules)
    codes = {p["code"]: p["message"] for p in bare["problems"]}
    assert codes["noLocation"] == "No location in the photo: turn on location for the camera"
    assert "noTime" in codes
    assert bare["metrics"]["has_position"] is False
    placed = check_in_page(page, photo(shelf(seed=4)), rules)
    assert placed["ok"], placed
    assert placed["metrics"]["has_position"] is True
    assert placed["metrics"]["taken_at"].startswith(str(datetime.now(UTC).year))
    # An EXIF segment of garbage and one whose offsets point anywhere: read as none, no throw.
    honest = jpeg(shelf(seed=5))
    for junk in (
        b"Exif\x00\x00" + bytes(range(256)) * 4,
        b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0" + b"\xff" * 60,
    ):
        forged = honest[:2] + b"\xff\xe1" + (len(junk) + 2).to_bytes(2, "big") + junk + honest[2:]
        result = check_in_page(page, forged, rules)
        assert result["metrics"]["taken_at"] is None
        assert result["metrics"]["has_position"] is False
    truncated = check_in_page(page, honest[:4000], rules)
    assert not truncated["ok"]
    assert console_errors(page) == []


def test_the_phone_agrees_with_the_server_on_photos_clear_of_every_threshold(page):
    rules = rules_in_page(page)
    limits = PhotoLimits(
        max_pixels=rules["max_pixels"],
        min_short_side=rules["min_short_side"],
        min_sharpness=rules["min_sharpness"],
        min_luminance=rules["min_luminance"],
        max_luminance=rules["max_luminance"],
        max_clipped=rules["max_clipped"],
    )
    verdicts = []
    for name, make_image in CORPUS:
        data = photo(make_image())
        server = server_view(data, limits)
        assert_clear_of_thresholds(name, server, rules)
        device = check_in_page(page, data, rules)
        failed_on_device = {p["check"] for p in device["problems"]}
        device_passed = {check: check not in failed_on_device for check in PIXEL_CHECKS}
        assert device_passed == server["passed"], (name, device, server)
        assert device["ok"] == all(server["passed"].values()), (name, device)
        metrics = device["metrics"]
        assert metrics["short_side"] == server["short_side"], name
        # Within 10 %, or one grey level squared for the blurred ones whose variance is tiny.
        assert metrics["sharpness"] == pytest.approx(server["sharpness"], rel=0.1, abs=1.0), name
        assert metrics["luminance"] == pytest.approx(server["luminance"], abs=2.0), name
        assert metrics["clipped"] == pytest.approx(server["clipped"], abs=0.02), name
        verdicts.append(tuple(server["passed"].values()))
    assert len(verdicts) == 20
    # The corpus tries every verdict: each check both passes and fails somewhere.
    for index, check in enumerate(PIXEL_CHECKS):
        assert {v[index] for v in verdicts} == {True, False}, check
    assert console_errors(page) == []
