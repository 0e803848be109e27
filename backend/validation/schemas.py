"""Response shapes of the photo rules: the thresholds validation applies, and how it measures."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Float, Integer, List, Nested, String


class ReductionOut(Schema):
    method = String(metadata={"description": "`jpeg_dct_scaling`: libjpeg's draft decode"})
    scale = Integer(metadata={"description": "each side divided by this (rounded up)"})
    description = String()


class GreyscaleOut(Schema):
    weights = List(Float(), metadata={"description": "of R, G and B (JPEG's luma, BT.601)"})
    description = String()


class SharpnessMeasureOut(Schema):
    kernel = List(List(Integer()), metadata={"description": "3 x 3, rows top to bottom"})
    statistic = String(metadata={"description": "`variance` (population, not sample)"})
    border = String(metadata={"description": "`valid`: only pixels with all four neighbours"})
    description = String()


class ExposureMeasureOut(Schema):
    luminance = String()
    dark_at_most = Integer(metadata={"description": "a reduced pixel this dark is clipped"})
    bright_at_least = Integer(metadata={"description": "a reduced pixel this bright is clipped"})


class MeasureOut(Schema):
    reduction = Nested(ReductionOut)
    greyscale = Nested(GreyscaleOut)
    sharpness = Nested(SharpnessMeasureOut)
    exposure = Nested(ExposureMeasureOut)


class ExifRulesOut(Schema):
    required = List(String(), metadata={"description": "EXIF fields a photo must carry"})
    checked_when_present = List(String(), metadata={"description": "checked only if written"})
    taken_within = String(metadata={"description": "the window DateTimeOriginal must fall in"})
    clock_drift_minutes = Float(metadata={"description": "allowed either side of the window"})
    no_offset_slack_hours = Float(
        metadata={"description": "more allowed either side without OffsetTimeOriginal"}
    )
    location_within = String(metadata={"description": "where the GPS position must be"})


class PhotoRulesOut(Schema):
    formats = List(String(), metadata={"description": "media types accepted"})
    max_bytes = Integer(metadata={"description": "per photo (FAIRFIELD_PHOTO_MAX_BYTES)"})
    max_photos = Integer(metadata={"description": "per submission"})
    max_pixels = Integer(metadata={"description": "width x height; above it, refused"})
    min_short_side = Integer(metadata={"description": "pixels, of the full-size image"})
    min_sharpness = Float(metadata={"description": "least variance of the Laplacian"})
    min_luminance = Float(metadata={"description": "least mean grey level, 0-255"})
    max_luminance = Float(metadata={"description": "greatest mean grey level, 0-255"})
    max_clipped = Float(metadata={"description": "greatest share of clipped pixels, 0-1"})
    measure = Nested(MeasureOut)
    exif = Nested(ExifRulesOut)
    on_failure = String(metadata={"description": "what a failed check does to a submission"})
