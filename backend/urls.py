"""The API's own URLs, built from its routes (url_for) rather than written out by hand.

Infrastructure beside db and storage: any feature may import it. An endpoint is named by a
string ("blueprint.view"), so no feature is imported here; a URL is built inside the app,
where every blueprint is registered.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

PHOTO = "submissions.get_photo"
UPLOAD = "uploads.get_upload"
SCORECARD = "fairness.brand_scorecard"


def api_url(endpoint: str, **values: Any) -> str:
    """The path of an endpoint with these values, e.g. '/api/v1/photos/<id>'."""
    if has_request_context():
        return url_for(endpoint, _external=False, **values)
    # A task or the CLI has no request (and no SERVER_NAME); the route's path is the same.
    return current_app.url_map.bind("localhost").build(endpoint, values)


def photo_url(photo_id: str) -> str:
    """Where a photo is served (a brand gets a copy without metadata)."""
    return api_url(PHOTO, photo_id=photo_id)


def upload_url(upload_id: str) -> str:
    """Where a resumable upload's offset is read and its bytes sent."""
    return api_url(UPLOAD, upload_id=upload_id)


def scorecard_url(brand_id: str) -> str:
    """Where a brand's scorecard (how it treats workers) is read."""
    return api_url(SCORECARD, brand_id=brand_id)
