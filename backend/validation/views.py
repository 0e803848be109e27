"""HTTP endpoint: the photo rules validation applies, for clients to check photos before
sending them."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from backend.accounts.auth import auth
from backend.settings import current_settings
from backend.submissions.service import UploadLimits
from backend.validation.presenters import photo_rules_out
from backend.validation.schemas import PhotoRulesOut
from backend.validation.service import settings_from

bp = APIBlueprint("validation", __name__, url_prefix="/api/v1", tag="Photos")


@bp.get("/photo-rules")
@bp.auth_required(auth)
@bp.output(PhotoRulesOut)
@bp.doc(
    summary="The photo thresholds the server applies, and how each is measured",
    description=(
        "Read from the same settings validation uses (FAIRFIELD_PHOTO_MIN_SHORT_SIDE, "
        "FAIRFIELD_PHOTO_MIN_SHARPNESS, FAIRFIELD_PHOTO_MIN_LUMINANCE, "
        "FAIRFIELD_PHOTO_MAX_LUMINANCE, FAIRFIELD_PHOTO_MAX_CLIPPED, FAIRFIELD_PHOTO_MAX_BYTES, "
        "FAIRFIELD_PHOTO_MAX_PIXELS, FAIRFIELD_SUBMISSION_MAX_PHOTOS, "
        "FAIRFIELD_EXIF_CLOCK_DRIFT_MINUTES). `measure` says how sharpness and exposure are "
        "computed, so that a client reproduces them: reduce the image 8 times by block means, "
        "take its luma, then the variance of the 4-neighbour Laplacian, the mean grey level "
        "and the share of clipped pixels. A check on the device is advice; the server decides."
    ),
    responses=[401],
)
def photo_rules() -> Any:
    settings = current_settings()
    validation = settings_from(settings)
    return photo_rules_out(
        validation.limits, UploadLimits.from_settings(settings), clock_drift=validation.clock_drift
    )
