"""GET /photo-rules: the thresholds validation applies, from its own settings, and a
description of the measures precise enough to reproduce them off the server."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageFilter

from backend.validation.photos import PhotoLimits, inspect_photo
from tests.support.factories import UserFactory
from tests.support.photos import jpeg, shelf

CONFIGURED = {
    "PHOTO_MIN_SHORT_SIDE": 800,
    "PHOTO_MIN_SHARPNESS": 55.5,
    "PHOTO_MIN_LUMINANCE": 35.0,
    "PHOTO_MAX_LUMINANCE": 230.0,
    "PHOTO_MAX_CLIPPED": 0.2,
    "PHOTO_MAX_BYTES": 12_000_000,
    "PHOTO_MAX_PIXELS": 40_000_000,
    "SUBMISSION_MAX_PHOTOS": 6,
    "EXIF_CLOCK_DRIFT_MINUTES": 7,
}


@pytest.fixture
def app_config(app_config):
    return app_config | CONFIGURED


@pytest.mark.parametrize("role", ["worker", "brand", "admin"])
def test_every_signed_in_user_reads_the_configured_thresholds(client, make, auth_headers, role):
    user = make(UserFactory, brand_user=role == "brand", admin=role == "admin")
    response = client.get("/api/v1/photo-rules", headers=auth_headers(user))
    assert response.status_code == 200, response.json
    rules = response.json
    assert {
        "min_short_side": rules["min_short_side"],
        "min_sharpness": rules["min_sharpness"],
        "min_luminance": rules["min_luminance"],
        "max_luminance": rules["max_luminance"],
        "max_clipped": rules["max_clipped"],
        "max_bytes": rules["max_bytes"],
        "max_pixels": rules["max_pixels"],
        "max_photos": rules["max_photos"],
        "clock_drift_minutes": rules["exif"]["clock_drift_minutes"],
    } == {
        "min_short_side": 800,
        "min_sharpness": 55.5,
        "min_luminance": 35.0,
        "max_luminance": 230.0,
        "max_clipped": 0.2,
        "max_bytes": 12_000_000,
        "max_pixels": 40_000_000,
        "max_photos": 6,
        "clock_drift_minutes": 7,
    }
    assert rules["formats"] == ["image/jpeg"]
    assert rules["exif"]["required"] == []
    assert "DateTimeOriginal" in rules["exif"]["checked_when_present"]
    assert rules["exif"]["no_offset_slack_hours"] == 14


def test_nobody_signed_out_reads_them(client):
    response = client.get("/api/v1/photo-rules")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def measured_as_described(data: bytes, measure: dict) -> tuple[float, float, float]:
    """Sharpness, luminance and clipped share computed from the rules' description alone:
    a full decode, luma weights, block means rounded to whole grey levels, the kernel given."""
    rgb = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=np.float64)
    grey = rgb @ np.array(measure["greyscale"]["weights"])
    scale = measure["reduction"]["scale"]
    height, width = grey.shape
    rows, cols = -(-height // scale), -(-width // scale)
    padded = np.full((rows * scale, cols * scale), np.nan)
    padded[:height, :width] = grey
    reduced = np.rint(np.nanmean(padded.reshape(rows, scale, cols, scale), axis=(1, 3)))
    kernel = np.array(measure["sharpness"]["kernel"], dtype=np.float64)
    response = sum(
        kernel[dy, dx] * reduced[dy : dy + rows - 2, dx : dx + cols - 2]
        for dy in range(3)
        for dx in range(3)
    )
    exposure = measure["exposure"]
    clipped = (reduced <= exposure["dark_at_most"]) | (reduced >= exposure["bright_at_least"])
    return float(response.var()), float(reduced.mean()), float(clipped.mean())


@pytest.mark.parametrize(
    "image",
    [
        shelf(1600, 1200, seed=5),
        shelf(1203, 901, seed=6),  # sides not a multiple of 8: the last blocks are partial
        shelf(seed=7).filter(ImageFilter.GaussianBlur(6)),
        shelf(seed=8).point(lambda value: value // 5),
    ],
)
def test_the_described_measure_reproduces_the_servers(client, make, auth_headers, image):
    worker = make(UserFactory)
    measure = client.get("/api/v1/photo-rules", headers=auth_headers(worker)).json["measure"]
    data = jpeg(image)
    checks = {c.name: c.detail for c in inspect_photo(data, PhotoLimits()).checks}
    sharpness, luminance, clipped = measured_as_described(data, measure)
    assert sharpness == pytest.approx(checks["sharpness"]["laplacian_variance"], rel=0.05)
    assert luminance == pytest.approx(checks["exposure"]["mean_luminance"], abs=1.0)
    assert clipped == pytest.approx(checks["exposure"]["clipped_share"], abs=0.01)


def test_the_rules_are_documented(client):
    spec = client.get("/openapi.json").json
    operation = spec["paths"]["/api/v1/photo-rules"]["get"]
    assert {"200", "401"} <= set(operation["responses"])
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    for name in ("min_short_side", "min_sharpness", "max_clipped", "max_bytes"):
        assert schema["properties"][name]["description"], name
