"""What the API shows of the photo rules, built from the objects validation itself uses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from backend.submissions.service import UploadLimits
from backend.validation import photos
from backend.validation.photos import PhotoLimits


def photo_rules_out(
    limits: PhotoLimits, uploads: UploadLimits, *, clock_drift: timedelta
) -> dict[str, Any]:
    """The thresholds and the way each is measured, so that a client can measure alike."""
    scale = photos.DRAFT_SCALE
    return {
        "formats": ["image/jpeg"],
        "max_bytes": uploads.max_photo_bytes,
        "max_photos": uploads.max_photos,
        "max_pixels": limits.max_pixels,
        "min_short_side": limits.min_short_side,
        "min_sharpness": limits.min_sharpness,
        "min_luminance": limits.min_luminance,
        "max_luminance": limits.max_luminance,
        "max_clipped": limits.max_clipped,
        "measure": {
            "reduction": {
                "method": "jpeg_dct_scaling",
                "scale": scale,
                "description": (
                    f"The JPEG is decoded at 1/{scale} of each side (libjpeg's DCT scaling: "
                    f"each {scale} x {scale} block becomes one pixel, its mean rounded to a "
                    "whole grey level, 0-255; the image is "
                    f"ceil(width/{scale}) x ceil(height/{scale})). Sharpness and exposure are "
                    "measured on that reduced greyscale image; the short side is the full one."
                ),
            },
            "greyscale": {
                "weights": list(photos.GREY_WEIGHTS),
                "description": "grey = 0.299 R + 0.587 G + 0.114 B (the JPEG's own luma)",
            },
            "sharpness": {
                "kernel": [list(row) for row in photos.LAPLACIAN],
                "statistic": "variance",
                "border": "valid",
                "description": (
                    "The variance (mean of squares less the square of the mean) of the "
                    "kernel's response at every reduced pixel with four neighbours."
                ),
            },
            "exposure": {
                "luminance": "the mean grey level of the reduced image, 0-255",
                "dark_at_most": photos.DARK_CLIP,
                "bright_at_least": photos.BRIGHT_CLIP,
            },
        },
        "exif": {
            "required": [],
            "checked_when_present": [
                "DateTimeOriginal",
                "OffsetTimeOriginal",
                "GPSLatitude",
                "GPSLongitude",
                "Software",
            ],
            "taken_within": "the claim: from claiming until the submission is received",
            "clock_drift_minutes": clock_drift.total_seconds() / 60,
            "no_offset_slack_hours": photos.NO_OFFSET_SLACK.total_seconds() / 3600,
            "location_within": "the store's geofence",
        },
        "on_failure": (
            "A photo that is not a JPEG, too large or does not decode is unusable; a "
            "submission with no usable photo is rejected. Resolution, sharpness, exposure "
            "and EXIF failures send the submission to a person for review."
        ),
    }
